#include "agent/api/quantity.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace resizelet::api {
namespace {

constexpr int64_t kNanosPerUnit = 1'000'000'000;
constexpr int64_t kNanosPerMilli = 1'000'000;
// |milli-value| <= INT64_MAX  <=>  |nanos| <= INT64_MAX * 10^6 (MilliValue rounds away from zero,
// so one more nano would need a milli-value of INT64_MAX + 1).
constexpr __int128 kMaxNanos =
    static_cast<__int128>(std::numeric_limits<int64_t>::max()) * kNanosPerMilli;
// kMaxNanos has 25 decimal digits: a digit string longer than this is out of range for sure, and
// one this long fits an __int128 with room to compare.
constexpr int kMaxNanosDigits = 25;

__int128 Clamp(__int128 nanos) {
  if (nanos > kMaxNanos) return kMaxNanos;
  if (nanos < -kMaxNanos) return -kMaxNanos;
  return nanos;
}

// The text as it may appear inside an error message: escaped, and cut to a readable length.
std::string Quote(std::string_view text) {
  constexpr size_t kShown = kMaxQuantityLength;
  std::string shown =
      absl::CHexEscape(absl::string_view(text.data(), std::min(text.size(), kShown)));
  if (text.size() > kShown) shown += "...";
  return absl::StrCat("\"", shown, "\"");
}

absl::Status Malformed(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("invalid quantity ", Quote(text)));
}
absl::Status OutOfRange(std::string_view text) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid quantity ", Quote(text), ": out of range"));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// apimachinery suffix.go: decimal SI (n u m "" k M G T P E) and binary SI (Ki Mi Gi Ti Pi Ei).
// Returns false for anything else (which may still be a decimal exponent).
bool LookUpSuffix(std::string_view suffix, int& base, int& exponent) {
  auto decimal = [](char c) {
    switch (c) {
      case 'n':
        return -9;
      case 'u':
        return -6;
      case 'm':
        return -3;
      case 'k':
        return 3;
      case 'M':
        return 6;
      case 'G':
        return 9;
      case 'T':
        return 12;
      case 'P':
        return 15;
      case 'E':
        return 18;
      default:
        return 0;
    }
  };
  if (suffix.empty()) {
    base = 10;
    exponent = 0;
    return true;
  }
  if (suffix.size() == 1) {
    base = 10;
    exponent = decimal(suffix[0]);
    return exponent != 0;
  }
  if (suffix.size() == 2 && suffix[1] == 'i') {
    base = 2;
    switch (suffix[0]) {
      case 'K':
        exponent = 10;
        return true;
      case 'M':
        exponent = 20;
        return true;
      case 'G':
        exponent = 30;
        return true;
      case 'T':
        exponent = 40;
        return true;
      case 'P':
        exponent = 50;
        return true;
      case 'E':
        exponent = 60;
        return true;
      default:
        return false;
    }
  }
  return false;
}

// A big-endian decimal digit string in a fixed buffer (no allocation per parse): room for the
// longest accepted input plus the digits that multiplying by 2^60 ("Ei") adds.
class Digits {
 public:
  static constexpr size_t kCapacity = kMaxQuantityLength + 32;

  void PushBack(uint8_t d) { buf_[end_++] = d; }
  size_t size() const { return end_ - begin_; }
  uint8_t operator[](size_t i) const { return buf_[begin_ + i]; }

  bool IsZero() const {
    for (size_t i = begin_; i < end_; ++i) {
      if (buf_[i] != 0) return false;
    }
    return true;
  }

  // Multiplies in place by a small factor, growing to the left.
  void Multiply(int factor) {
    int carry = 0;
    for (size_t i = end_; i > begin_; --i) {
      int v = buf_[i - 1] * factor + carry;
      buf_[i - 1] = static_cast<uint8_t>(v % 10);
      carry = v / 10;
    }
    while (carry > 0 && begin_ > 0) {
      buf_[--begin_] = static_cast<uint8_t>(carry % 10);
      carry /= 10;
    }
  }

  // The integer value of the first `n` digits, if it has at most kMaxNanosDigits significant
  // digits.
  bool PrefixToInt(size_t n, __int128& out) const {
    size_t i = 0;
    while (i < n && (*this)[i] == 0) ++i;
    if (n - i > static_cast<size_t>(kMaxNanosDigits)) return false;
    __int128 v = 0;
    for (; i < n; ++i) v = v * 10 + (*this)[i];
    out = v;
    return true;
  }

 private:
  // Digits are appended from the middle so that Multiply can grow to the left.
  static constexpr size_t kHeadroom = 32;
  std::array<uint8_t, kHeadroom + kCapacity> buf_;  // [begin_, end_) is initialized
  size_t begin_ = kHeadroom;
  size_t end_ = kHeadroom;
};

// Divides by 10^k rounding away from zero (the magnitude is rounded up).
int64_t DivRoundUp(__int128 nanos, int64_t divisor) {
  __int128 q = nanos / divisor;
  if (nanos % divisor != 0) q += nanos > 0 ? 1 : -1;
  return static_cast<int64_t>(q);
}

void AppendInt128(std::string& out, __int128 v) {
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  char buf[48];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

// 10^0 .. 10^38, the powers an __int128 holds.
constexpr std::array<__int128, 39> kPowersOf10 = [] {
  std::array<__int128, 39> p{};
  p[0] = 1;
  for (size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();

__int128 Pow10(int n) { return kPowersOf10[static_cast<size_t>(n)]; }

// Numbers of at most this many digits fit a uint64_t and take the integer-only path.
constexpr size_t kFastDigits = 18;

// |value| = digits * 10^-fraction_digits * base^exponent, with digits < 10^18, in nanos.
// False when out of range.
bool ToNanosFast(uint64_t digits, int fraction_digits, int base, int exponent, __int128& out) {
  out = 0;
  if (digits == 0) return true;
  const __int128 d = digits;
  __int128 nanos;
  if (base == 2) {
    const __int128 m = d << exponent;  // < 10^18 * 2^60 < 2^121
    if (fraction_digits <= 9) {
      if (m > kMaxNanos) return false;
      nanos = m * Pow10(9 - fraction_digits);
    } else {
      const __int128 div = Pow10(fraction_digits - 9);  // at most 10^9
      nanos = m / div + (m % div != 0 ? 1 : 0);
    }
  } else {
    const int shift = exponent - fraction_digits + 9;  // within [-39, 39]
    if (shift >= 0) {
      if (shift > kMaxNanosDigits) return false;
      // With d < 10^18, shifts up to 19 cannot overflow an __int128; beyond, check first.
      if (shift > 19 && d > kMaxNanos / Pow10(shift)) return false;
      nanos = d * Pow10(shift);
    } else if (-shift > 36) {
      nanos = 1;  // 0 < value < 1n: rounds up to 1n
    } else {
      const __int128 div = Pow10(-shift);
      nanos = d / div + (d % div != 0 ? 1 : 0);
    }
  }
  if (nanos > kMaxNanos) return false;
  out = nanos;
  return true;
}

// The same for any number of digits (at most kMaxQuantityLength), on a digit string.
bool ToNanosSlow(std::string_view number, int fraction_digits, int base, int exponent,
                 __int128& out) {
  out = 0;
  Digits digits;
  for (char c : number) {
    if (IsDigit(c)) digits.PushBack(static_cast<uint8_t>(c - '0'));
  }
  if (digits.IsZero()) return true;
  // |value| = digits * 10^decimal_exponent exactly; binary suffixes are multiplied out.
  int decimal_exponent = -fraction_digits;
  if (base == 10) {
    decimal_exponent += exponent;
  } else {
    for (int i = 0; i < exponent / 10; ++i) digits.Multiply(1024);
  }
  const int shift = decimal_exponent + 9;
  __int128 nanos = 0;
  if (shift >= 0) {
    if (shift > kMaxNanosDigits) return false;
    if (!digits.PrefixToInt(digits.size(), nanos)) return false;
    for (int i = 0; i < shift && nanos <= kMaxNanos; ++i) nanos *= 10;
  } else {
    const long keep = static_cast<long>(digits.size()) + shift;
    bool remainder = false;
    for (size_t i = keep < 0 ? 0 : static_cast<size_t>(keep); i < digits.size(); ++i) {
      remainder = remainder || digits[i] != 0;
    }
    if (keep > 0 && !digits.PrefixToInt(static_cast<size_t>(keep), nanos)) {
      return false;
    }
    if (remainder) ++nanos;
  }
  if (nanos > kMaxNanos) return false;
  out = nanos;
  return true;
}

// The shapes the API server sends nearly always ("100m", "128Mi", "2", "1Gi"): at most kFastDigits
// plain digits (no sign, fraction or exponent) and a suffix among n u m k M G Ki Mi Gi, whose
// value in nanos always fits a uint64_t. Returns false for anything else, and for values out of
// range, all of which ParseNanos handles. Decoding a pod parses dozens of quantities, so this
// skips the general grammar for them.
bool ParseCommonNanos(std::string_view text, __int128& out, QuantityFormat& format) {
  const size_t size = text.size();
  if (size == 0 || size > kFastDigits + 2) return false;
  size_t pos = 0;
  uint64_t digits = 0;
  while (pos < size && IsDigit(text[pos])) {
    digits = digits * 10 + static_cast<uint64_t>(text[pos] - '0');
    ++pos;
  }
  if (pos == 0 || pos > kFastDigits) return false;
  uint64_t nanos_per_unit = 0;
  switch (size - pos) {
    case 0:
      nanos_per_unit = kNanosPerUnit;
      format = QuantityFormat::kDecimalSI;
      break;
    case 1:
      switch (text[pos]) {
        case 'n':
          nanos_per_unit = 1;
          break;
        case 'u':
          nanos_per_unit = 1'000;
          break;
        case 'm':
          nanos_per_unit = kNanosPerMilli;
          break;
        case 'k':
          nanos_per_unit = 1'000'000'000'000;
          break;
        case 'M':
          nanos_per_unit = 1'000'000'000'000'000;
          break;
        case 'G':
          nanos_per_unit = 1'000'000'000'000'000'000;
          break;
        default:
          return false;
      }
      format = QuantityFormat::kDecimalSI;
      break;
    case 2:
      if (text[pos + 1] != 'i') return false;
      switch (text[pos]) {
        case 'K':
          nanos_per_unit = uint64_t{kNanosPerUnit} << 10;
          break;
        case 'M':
          nanos_per_unit = uint64_t{kNanosPerUnit} << 20;
          break;
        case 'G':
          nanos_per_unit = uint64_t{kNanosPerUnit} << 30;
          break;
        default:
          return false;
      }
      format = QuantityFormat::kBinarySI;
      break;
    default:
      return false;
  }
  // < 10^18 * 2^30 * 10^9: no overflow in 128 bits.
  const __int128 nanos = static_cast<__int128>(digits) * nanos_per_unit;
  if (nanos > kMaxNanos) return false;
  out = nanos;
  return true;
}

}  // namespace

// The whole grammar (see quantity.h), into signed nanos and the notation. Not in the anonymous
// namespace: a function called once there is always inlined, and inlined into Parse its stack
// frame and saved registers would tax the common path too.
namespace quantity_internal {

absl::Status ParseNanos(std::string_view text, __int128& out, QuantityFormat& out_format) {
  // Bounding the length first bounds every loop below (facts.md §1: Go's parser hangs on
  // "2E6024865272343" and truncates "1e4294967297").
  if (text.size() > static_cast<size_t>(kMaxQuantityLength)) return OutOfRange(text);
  if (text.empty()) return Malformed(text);

  size_t pos = 0;
  bool negative = false;
  if (text[pos] == '+' || text[pos] == '-') {
    negative = text[pos] == '-';
    ++pos;
  }
  // The number: digits, optionally '.', digits ("5.", ".5" are valid; "." is not). Up to
  // kFastDigits digits are also accumulated in an integer for the common short case.
  const size_t number_start = pos;
  int fraction_digits = 0;
  size_t number_digits = 0;
  uint64_t small = 0;
  while (pos < text.size() && IsDigit(text[pos])) {
    if (++number_digits <= kFastDigits) small = small * 10 + static_cast<uint64_t>(text[pos] - '0');
    ++pos;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (++number_digits <= kFastDigits)
        small = small * 10 + static_cast<uint64_t>(text[pos] - '0');
      ++fraction_digits;
      ++pos;
    }
  }
  if (number_digits == 0) return Malformed(text);
  const std::string_view number = text.substr(number_start, pos - number_start);

  // The suffix.
  std::string_view suffix = text.substr(pos);
  int base = 10;
  int exponent = 0;
  const bool known = LookUpSuffix(suffix, base, exponent);
  QuantityFormat format = base == 2 ? QuantityFormat::kBinarySI : QuantityFormat::kDecimalSI;
  if (!known) {
    // A decimal exponent: e<int> or E<int>, the int optionally signed ("1e+3", "1E-3").
    if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return Malformed(text);
    size_t i = 1;
    bool exponent_negative = false;
    if (suffix[i] == '+' || suffix[i] == '-') {
      exponent_negative = suffix[i] == '-';
      ++i;
    }
    if (i == suffix.size()) return Malformed(text);
    int64_t e = 0;
    for (; i < suffix.size(); ++i) {
      if (!IsDigit(suffix[i])) return Malformed(text);
      // Saturate instead of wrapping; anything past the bound is refused below.
      if (e <= kMaxQuantityExponent) e = e * 10 + (suffix[i] - '0');
    }
    if (e > kMaxQuantityExponent) return OutOfRange(text);
    base = 10;
    exponent = static_cast<int>(exponent_negative ? -e : e);
    format = QuantityFormat::kDecimalExponent;
  }

  // To nanos, rounding a finer value away from zero to a whole nano as apimachinery does
  // (ParseQuantity rounds to Nano with inf.RoundUp: asking for some resource gives some).
  __int128 nanos = 0;
  const bool in_range = number_digits <= kFastDigits
                            ? ToNanosFast(small, fraction_digits, base, exponent, nanos)
                            : ToNanosSlow(number, fraction_digits, base, exponent, nanos);
  if (!in_range) return OutOfRange(text);
  out = negative ? -nanos : nanos;
  out_format = format;
  return absl::OkStatus();
}

}  // namespace quantity_internal

absl::StatusOr<Quantity> Quantity::Parse(std::string_view text) {
  __int128 nanos = 0;
  QuantityFormat format = QuantityFormat::kDecimalSI;
  if (!ParseCommonNanos(text, nanos, format)) {
    absl::Status s = quantity_internal::ParseNanos(text, nanos, format);
    if (!s.ok()) return s;
  }
  return Quantity(nanos, format);
}

bool Quantity::ParseCommon(std::string_view text, Quantity& out) {
  __int128 nanos = 0;
  QuantityFormat format = QuantityFormat::kDecimalSI;
  if (!ParseCommonNanos(text, nanos, format)) return false;
  out = Quantity(nanos, format);
  return true;
}

Quantity Quantity::FromMilli(int64_t milli, QuantityFormat format) {
  return Quantity(Clamp(static_cast<__int128>(milli) * kNanosPerMilli), format);
}

Quantity Quantity::FromInt(int64_t value, QuantityFormat format) {
  return Quantity(Clamp(static_cast<__int128>(value) * kNanosPerUnit), format);
}

Quantity Quantity::Max(QuantityFormat format) { return Quantity(kMaxNanos, format); }

int64_t Quantity::MilliValue() const { return DivRoundUp(nanos_, kNanosPerMilli); }

int64_t Quantity::Value() const { return DivRoundUp(nanos_, kNanosPerUnit); }

bool Quantity::IsZero() const { return nanos_ == 0; }

bool Quantity::IsNegative() const { return nanos_ < 0; }

Quantity Quantity::Add(const Quantity& other) const {
  // Both operands are within ±kMaxNanos, so the sum cannot overflow an __int128.
  return Quantity(Clamp(nanos_ + other.nanos_), format_);
}

Quantity Quantity::Sub(const Quantity& other) const {
  return Quantity(Clamp(nanos_ - other.nanos_), format_);
}

int Quantity::Compare(const Quantity& other) const {
  if (nanos_ < other.nanos_) return -1;
  return nanos_ > other.nanos_ ? 1 : 0;
}

std::string Quantity::String() const {
  // Mirrors apimachinery Quantity.CanonicalizeBytes.
  if (nanos_ == 0) return "0";
  std::string out;
  QuantityFormat format = format_;
  if (format == QuantityFormat::kBinarySI) {
    // Values in (-1024, 1024) and values that are not whole units print as decimal SI, so that
    // nothing is rounded ("0.5Ki" -> "512", "1.1Ki" -> "1126400m").
    const __int128 magnitude = nanos_ < 0 ? -nanos_ : nanos_;
    if (magnitude < 1024 * static_cast<__int128>(kNanosPerUnit) || nanos_ % kNanosPerUnit != 0) {
      format = QuantityFormat::kDecimalSI;
    }
  }
  if (format == QuantityFormat::kBinarySI) {
    __int128 amount = nanos_ / kNanosPerUnit;
    int exponent = 0;  // in powers of 1024
    while (exponent < 6 && amount % 1024 == 0) {
      amount /= 1024;
      ++exponent;
    }
    static constexpr std::array<std::string_view, 7> kBinary = {"",   "Ki", "Mi", "Gi",
                                                                "Ti", "Pi", "Ei"};
    AppendInt128(out, amount);
    out.append(kBinary[exponent]);
    return out;
  }

  // Remove factors of ten, then lower the exponent to a multiple of three.
  __int128 amount = nanos_;
  int exponent = -9;
  while (amount % 10 == 0) {
    amount /= 10;
    ++exponent;
  }
  int rest = ((exponent % 3) + 3) % 3;
  for (int i = 0; i < rest; ++i) amount *= 10;
  exponent -= rest;
  AppendInt128(out, amount);
  if (format == QuantityFormat::kDecimalExponent) {
    if (exponent != 0) absl::StrAppend(&out, "e", exponent);
    return out;
  }
  // |value| < 10^16, so the exponent is at most 15 ("P").
  static constexpr std::array<std::string_view, 9> kDecimal = {"n", "u", "m", "", "k",
                                                               "M", "G", "T", "P"};
  out.append(kDecimal[(exponent + 9) / 3]);
  return out;
}

}  // namespace resizelet::api
