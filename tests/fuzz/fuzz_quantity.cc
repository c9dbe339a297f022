// Fuzzes Quantity::Parse and cross-checks the invariants of a parsed value: the canonical form
// re-parses to the same value and is a fixed point, the rounded accessors agree with each other,
// and the saturating arithmetic stays in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "agent/api/quantity.h"

namespace {

using resizelet::api::Quantity;
using resizelet::api::QuantityFormat;

void Check(bool ok, const char* what) {
  if (!ok) {
    __builtin_trap();
  }
  (void)what;
}

int64_t DivAwayFromZero(int64_t v, int64_t d) {
  int64_t q = v / d;
  if (v % d != 0) q += v > 0 ? 1 : -1;
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Quantity> q = Quantity::Parse(text);
  if (!q.ok()) {
    Check(q.status().code() == absl::StatusCode::kInvalidArgument, "error code");
    Check(q.status().message().size() < 400, "bounded message");
    return 0;
  }
  Check(size <= static_cast<size_t>(resizelet::api::kMaxQuantityLength), "length bound");

  const std::string canonical = q->String();
  absl::StatusOr<Quantity> again = Quantity::Parse(canonical);
  Check(again.ok(), "canonical form parses");
  Check(*again == *q, "canonical form keeps the value");
  // A fixed point, except where apimachinery itself is not one: a binary-format value with no
  // whole power of 1024 prints bare ("31.25Ki" -> "32000"), which re-parses as decimal SI and
  // then prints "32k".
  Check(again->String() == canonical ||
            (q->format() == QuantityFormat::kBinarySI && canonical.back() != 'i'),
        "canonical form is a fixed point");
  // The notation is kept where it shows: an exponent or a binary suffix in the canonical form
  // re-parses to the same format. (Zero prints "0", exponent 0 prints no exponent, and binary
  // values below 1Ki or not whole units print as decimal SI, as apimachinery does.)
  const bool shows_exponent = canonical.find('e') != std::string::npos;
  const bool shows_binary = canonical.back() == 'i';
  Check(!shows_exponent || (q->format() == QuantityFormat::kDecimalExponent &&
                            again->format() == QuantityFormat::kDecimalExponent),
        "exponent kept");
  Check(!shows_binary || (q->format() == QuantityFormat::kBinarySI &&
                          again->format() == QuantityFormat::kBinarySI),
        "binary kept");
  Check(q->format() != QuantityFormat::kBinarySI || shows_binary ||
            (Quantity::FromInt(-1024) < *q && *q < Quantity::FromInt(1024)) ||
            Quantity::FromInt(q->Value()) != *q || q->Value() % 1024 != 0,
        "whole multiples of 1Ki print with a binary suffix");

  const int64_t milli = q->MilliValue();
  const int64_t value = q->Value();
  Check(milli != std::numeric_limits<int64_t>::min(), "milli in range");
  Check(value == DivAwayFromZero(milli, 1000), "Value agrees with MilliValue");
  Check(q->IsNegative() == (q->Compare(Quantity()) < 0), "sign");
  Check(q->IsZero() == (canonical == "0"), "zero");
  Check(!q->IsNegative() || canonical[0] == '-', "sign printed");
  Check(q->IsNegative() ? milli < 0 || milli == 0 : milli >= 0, "milli sign");
  // Rounding is away from zero, so the rounded milli-value bounds the exact value.
  const Quantity from_milli = Quantity::FromMilli(milli);
  Check(q->IsNegative() ? !(q->Compare(from_milli) < 0) : !(from_milli < *q), "rounded up");

  Check(q->Sub(*q).IsZero(), "x - x == 0");
  Check(q->Add(Quantity()) == *q, "x + 0 == x");
  const Quantity doubled = q->Add(*q);
  Check(doubled.MilliValue() != std::numeric_limits<int64_t>::min(), "saturating add");
  Check(Quantity::Parse(doubled.String()).ok(), "saturated value formats parseably");
  return 0;
}
