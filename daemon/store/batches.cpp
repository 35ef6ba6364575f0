// The list of batches for the console's reports page: newest first, paged by id, each with its
// per-status counts (one indexed GROUP BY per batch, so a page costs the same however many
// messages the database holds).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.hpp"
#include "store/store_impl.hpp"

namespace smsgw::store {

using detail::Use;

BatchPage Store::list_batches(std::optional<std::int64_t> before_id, int limit) {
  std::vector<std::int64_t> ids;
  std::optional<std::int64_t> next;
  impl_->read<int>("list_batches", 0, [&] {
    Use s(impl_->read_stmt(before_id ? "SELECT id FROM batches WHERE id < ? ORDER BY id DESC LIMIT ?"
                                     : "SELECT id FROM batches ORDER BY id DESC LIMIT ?"));
    int i = 0;
    if (before_id) s->bind(++i, *before_id);
    s->bind(++i, limit + 1);  // one extra row tells whether there is a next page
    while (s->executeStep()) ids.push_back(s->getColumn(0).getInt64());
    return 0;
  });
  if (static_cast<int>(ids.size()) > limit) {
    ids.resize(static_cast<std::size_t>(limit));
    next = ids.back();
  }
  BatchPage page;
  for (const std::int64_t id : ids) {
    if (auto b = get_batch(id, false)) page.batches.push_back(std::move(*b));
  }
  page.next_cursor = next;
  return page;
}

}  // namespace smsgw::store
