#include "adapters/core/failure.hpp"

#include <string>

namespace smsgw::adapters {
namespace {

class FailureCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smsgw.failure"; }
  std::string message(int value) const override {
    switch (static_cast<failure>(value)) {
      case failure::transient:
        return "transient carrier failure";
      case failure::permanent:
        return "permanent carrier failure";
      case failure::throttled:
        return "throttled by the carrier";
    }
    return "unknown failure " + std::to_string(value);
  }
};

class CarrierCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "smsgw.carrier"; }

  std::string message(int value) const override {
    switch (static_cast<carrier_errc>(value)) {
      case carrier_errc::timeout:
        return "carrier timeout";
      case carrier_errc::connection_failed:
        return "connection to carrier failed";
      case carrier_errc::throttled:
        return "throttled by carrier";
      case carrier_errc::server_error:
        return "carrier server error";
      case carrier_errc::unavailable:
        return "carrier unavailable";
      case carrier_errc::rejected:
        return "rejected by carrier";
      case carrier_errc::invalid_number:
        return "invalid number";
      case carrier_errc::unauthorized:
        return "carrier credentials rejected";
      case carrier_errc::bad_response:
        return "unparseable carrier response";
    }
    return "unknown carrier error " + std::to_string(value);
  }

  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<carrier_errc>(value)) {
      case carrier_errc::rejected:
      case carrier_errc::invalid_number:
      case carrier_errc::unauthorized:
        return failure::permanent;
      case carrier_errc::throttled:
        return failure::throttled;
      case carrier_errc::timeout:
      case carrier_errc::connection_failed:
      case carrier_errc::server_error:
      case carrier_errc::unavailable:
      case carrier_errc::bad_response:
        return failure::transient;
    }
    // An unknown code means we cannot tell whether the carrier took the message: retrying is
    // the safe side for "never lose a message".
    return failure::transient;
  }
};

}  // namespace

const std::error_category& failure_category() noexcept {
  static const FailureCategory category;
  return category;
}

std::error_condition make_error_condition(failure f) noexcept {
  return {static_cast<int>(f), failure_category()};
}

const std::error_category& carrier_category() noexcept {
  static const CarrierCategory category;
  return category;
}

std::error_code make_error_code(carrier_errc e) noexcept {
  return {static_cast<int>(e), carrier_category()};
}

}  // namespace smsgw::adapters
