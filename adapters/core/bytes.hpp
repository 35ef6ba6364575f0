#pragma once
// Big-endian reading and writing for the binary carrier protocols (SMPP, CMPP): a reader that
// checks every length against the bytes it has, and a writer for fixed-size and C strings.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

namespace smsgw::adapters {

class ByteReader {
 public:
  explicit ByteReader(std::string_view data) : data_(data) {}
  std::size_t left() const { return data_.size() - pos_; }

  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = byte(0);
    pos_ += 1;
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (left() < 2) return false;
    v = static_cast<std::uint16_t>((byte(0) << 8) | byte(1));
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = (static_cast<std::uint32_t>(byte(0)) << 24) | (static_cast<std::uint32_t>(byte(1)) << 16) |
        (static_cast<std::uint32_t>(byte(2)) << 8) | static_cast<std::uint32_t>(byte(3));
    pos_ += 4;
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t hi = 0, lo = 0;
    if (left() < 8 || !u32(hi) || !u32(lo)) return false;
    v = (static_cast<std::uint64_t>(hi) << 32) | lo;
    return true;
  }
  // A NUL-terminated string of at most `size` octets, NUL included (SMPP C-Octet String).
  bool cstring(std::string& out, std::size_t size) {
    const std::size_t limit = std::min(left(), size);
    const auto nul = data_.substr(pos_, limit).find('\0');
    if (nul == std::string_view::npos) return false;
    out.assign(data_.substr(pos_, nul));
    pos_ += nul + 1;
    return true;
  }
  // A fixed-size field padded with NULs (CMPP Octet String): the text before the first NUL.
  bool fixed(std::string& out, std::size_t size) {
    if (left() < size) return false;
    const auto field = data_.substr(pos_, size);
    out.assign(field.substr(0, field.find('\0')));
    pos_ += size;
    return true;
  }
  bool octets(std::string& out, std::size_t n) {
    if (left() < n) return false;
    out.assign(data_.substr(pos_, n));
    pos_ += n;
    return true;
  }

 private:
  std::uint8_t byte(std::size_t i) const { return static_cast<std::uint8_t>(data_[pos_ + i]); }
  std::string_view data_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_ += static_cast<char>(v); }
  void u16(std::uint16_t v) {
    out_ += static_cast<char>(v >> 8);
    out_ += static_cast<char>(v & 0xFF);
  }
  void u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_ += static_cast<char>((v >> shift) & 0xFF);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v & 0xFFFFFFFF));
  }
  // Cut to its field, then NUL-terminated (config validation keeps values within; this keeps
  // any PDU well-formed).
  void cstring(std::string_view s, std::size_t size) {
    s = s.substr(0, std::min(s.find('\0'), size - 1));
    out_ += s;
    out_ += '\0';
  }
  // Exactly `size` octets: cut, or right-padded with NULs.
  void fixed(std::string_view s, std::size_t size) {
    s = s.substr(0, std::min(s.size(), size));
    out_ += s;
    out_.append(size - s.size(), '\0');
  }
  void octets(std::string_view s) { out_ += s; }
  // Writes the total length as the first 4 bytes (both protocols start with it).
  std::string finish_with_length() {
    const auto n = static_cast<std::uint32_t>(out_.size());
    for (int i = 0; i < 4; ++i) out_[static_cast<std::size_t>(i)] = static_cast<char>((n >> (24 - 8 * i)) & 0xFF);
    return std::move(out_);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

}  // namespace smsgw::adapters
