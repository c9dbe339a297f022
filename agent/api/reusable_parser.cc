#include "agent/api/reusable_parser.h"

#include "absl/status/status.h"

namespace resizelet::api {

ReusableParser::ReusableParser(size_t max_document_bytes, size_t max_depth)
    : max_document_bytes_(max_document_bytes), max_depth_(max_depth), parser_(max_document_bytes) {}

absl::StatusOr<simdjson::dom::parser*> ReusableParser::Lease::Get() {
  simdjson::dom::parser& parser = owner_.parser_;
  // A new (or freshly replaced) parser has simdjson's default depth until it allocates; later
  // growth keeps the depth it allocated with.
  if (parser.max_depth() != owner_.max_depth_ &&
      parser.allocate(4096, owner_.max_depth_) != simdjson::SUCCESS) {
    return absl::ResourceExhaustedError("cannot allocate the JSON parser");
  }
  return &parser;
}

ReusableParser::Lease::~Lease() {
  if (document_bytes_ <= kRetainedBytes) return;
  // A fresh parser: allocate() alone would keep the padded copy of the large input. The next
  // Get() allocates it for the depth cap.
  owner_.parser_ = simdjson::dom::parser(owner_.max_document_bytes_);
}

}  // namespace resizelet::api
