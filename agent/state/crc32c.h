// CRC-32C (Castagnoli), the checksum of the allocation checkpoint. abseil 20220623 has no
// absl/crc, and the checkpoint parser must build without system libraries (fuzz build).
#ifndef RESIZELET_AGENT_STATE_CRC32C_H_
#define RESIZELET_AGENT_STATE_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace resizelet::state {

// CRC-32C of `data` (reflected polynomial 0x82F63B78, initial and final XOR 0xFFFFFFFF):
// Crc32c("123456789") == 0xE3069283. Detects every error burst of up to 32 bits.
uint32_t Crc32c(std::string_view data);

}  // namespace resizelet::state

#endif  // RESIZELET_AGENT_STATE_CRC32C_H_
