// A simdjson DOM parser that one thread keeps between documents. A parser made per document
// allocates buffers of about ten times the document (tape, strings, structural indexes) and frees
// them again; kept, a steady stream of pods or watch events allocates nothing in simdjson
// (bench/README.md, "JSON decode" and "Daemon footprint"). Its depth cap is fixed when it
// allocates, so simdjson itself refuses input nested deeper while parsing.
//
//   thread_local api::ReusableParser parser(kMaxBytes, kMaxDepth);
//   api::ReusableParser::Lease lease(parser, json.size());  // shrinks after a large document
//   absl::StatusOr<simdjson::dom::parser*> p = lease.Get();
//   ... (*p)->parse(json.data(), json.size()) ...
//
// Not thread-safe: one instance per thread (thread_local).
#ifndef RESIZELET_AGENT_API_REUSABLE_PARSER_H_
#define RESIZELET_AGENT_API_REUSABLE_PARSER_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace resizelet::api {

class ReusableParser {
 public:
  // Buffers kept after a document: enough for any single pod or watch event. After a larger
  // document (a big list) the parser is replaced by a fresh one, so that one list does not pin
  // tens of megabytes in every decoding thread.
  static constexpr size_t kRetainedBytes = 1024 * 1024;

  ReusableParser(size_t max_document_bytes, size_t max_depth);
  ReusableParser(const ReusableParser&) = delete;
  ReusableParser& operator=(const ReusableParser&) = delete;

  // The parser for one document of `document_bytes`; shrinks it at the end of its scope if that
  // document was large. What the parser returned stays valid until the lease ends.
  class Lease {
   public:
    Lease(ReusableParser& owner, size_t document_bytes)
        : owner_(owner), document_bytes_(document_bytes) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    // The parser, allocated for the depth cap; ResourceExhausted if it cannot be.
    absl::StatusOr<simdjson::dom::parser*> Get();

   private:
    ReusableParser& owner_;
    size_t document_bytes_;
  };

 private:
  const size_t max_document_bytes_;
  const size_t max_depth_;
  simdjson::dom::parser parser_;
};

}  // namespace resizelet::api

#endif  // RESIZELET_AGENT_API_REUSABLE_PARSER_H_
