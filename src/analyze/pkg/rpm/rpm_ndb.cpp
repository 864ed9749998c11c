#include "analyze/pkg/rpm/rpm_ndb.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace moat::rpm {
namespace {

// Layout facts of rpm's lib/backend/ndb/rpmpkg.c; all integers are little-endian.
constexpr uint32_t four_cc(const char (&text)[5]) {
    return static_cast<uint32_t>(text[0]) | static_cast<uint32_t>(text[1]) << 8 |
           static_cast<uint32_t>(text[2]) << 16 | static_cast<uint32_t>(text[3]) << 24;
}
constexpr uint32_t kFileMagic = four_cc("RpmP");
constexpr uint32_t kSlotMagic = four_cc("Slot");
constexpr uint32_t kBlobHeadMagic = four_cc("BlbS");
constexpr uint32_t kBlobTailMagic = four_cc("BlbE");
constexpr uint32_t kSupportedVersion = 0;
constexpr size_t kFileHeaderBytes = 32;  // occupies the first two slots of slot page 0
constexpr size_t kSlotBytes = 16;        // magic, package index, block offset, block count
constexpr size_t kBlockBytes = 16;       // blob offsets and sizes count in blocks
constexpr size_t kSlotPageBytes = 4096;
constexpr size_t kBlobHeadBytes = 16;  // magic, package index, timestamp, blob length
constexpr size_t kBlobTailBytes = 12;  // adler32, blob length, magic

uint32_t read_le32(std::string_view bytes, size_t offset) {
    auto byte = [&](size_t i) {
        return static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i]));
    };
    return byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
}

// Adler-32 as defined in RFC 1950; rpm seals each blob with it.
uint32_t adler32(std::string_view bytes) {
    constexpr uint32_t kModulus = 65521;
    constexpr size_t kChunk = 5552;  // the largest run before the sums could overflow 32 bits
    uint32_t low = 1, high = 0;
    while (!bytes.empty()) {
        const size_t length = std::min(bytes.size(), kChunk);
        for (size_t i = 0; i < length; ++i) {
            low += static_cast<unsigned char>(bytes[i]);
            high += low;
        }
        low %= kModulus;
        high %= kModulus;
        bytes.remove_prefix(length);
    }
    return high << 16 | low;
}

struct Slot {
    uint32_t number;
    uint32_t package_index;
    uint32_t block_offset;
    uint32_t block_count;
};

Result<std::string_view> read_blob(std::string_view file, const Slot& slot) {
    std::string_view framed = file.substr(size_t{slot.block_offset} * kBlockBytes,
                                          size_t{slot.block_count} * kBlockBytes);
    if (framed.size() < kBlobHeadBytes + kBlobTailBytes)
        return Error{fmt::format("{} blocks cannot hold a blob", slot.block_count)};
    if (read_le32(framed, 0) != kBlobHeadMagic) return Error{"blob has no 'BlbS' head"};
    if (read_le32(framed, 4) != slot.package_index)
        return Error{fmt::format("blob belongs to package {}", read_le32(framed, 4))};
    const uint32_t blob_bytes = read_le32(framed, 12);
    const uint64_t blocks_needed =
        (kBlobHeadBytes + uint64_t{blob_bytes} + kBlobTailBytes + kBlockBytes - 1) / kBlockBytes;
    if (blocks_needed != slot.block_count)
        return Error{fmt::format("blob of {} bytes does not match its {} blocks", blob_bytes,
                                 slot.block_count)};
    if (blob_bytes > kMaxHeaderBlobBytes)
        return Error{fmt::format("blob of {} bytes is too large", blob_bytes)};
    const size_t tail = framed.size() - kBlobTailBytes;
    if (read_le32(framed, tail + 8) != kBlobTailMagic) return Error{"blob has no 'BlbE' tail"};
    if (read_le32(framed, tail + 4) != blob_bytes)
        return Error{"blob head and tail disagree on its length"};
    if (read_le32(framed, tail) != adler32(framed.substr(0, tail)))
        return Error{"blob checksum mismatch"};
    return framed.substr(kBlobHeadBytes, blob_bytes);
}

// Slots that pass the checks rpm makes when it reads them (rpmpkgReadSlots), in slot order.
std::vector<Slot> read_slots(std::string_view file, uint32_t slot_pages,
                             std::vector<std::string>& warnings) {
    const uint64_t file_blocks = file.size() / kBlockBytes;
    const uint64_t first_data_block = uint64_t{slot_pages} * (kSlotPageBytes / kBlockBytes);
    const uint32_t slot_total = slot_pages * static_cast<uint32_t>(kSlotPageBytes / kSlotBytes);
    std::vector<Slot> slots;
    for (uint32_t number = kFileHeaderBytes / kSlotBytes; number < slot_total; ++number) {
        const size_t at = size_t{number} * kSlotBytes;
        if (read_le32(file, at) != kSlotMagic) {
            add_capped_warning(warnings, fmt::format("slot {} has no 'Slot' magic", number));
            continue;
        }
        Slot slot{number, read_le32(file, at + 4), read_le32(file, at + 8),
                  read_le32(file, at + 12)};
        if (slot.block_offset == 0) continue;  // free slot
        if (slot.package_index == 0 || slot.block_count == 0 ||
            slot.block_offset < first_data_block ||
            uint64_t{slot.block_offset} + slot.block_count > file_blocks) {
            add_capped_warning(
                warnings,
                fmt::format("slot {} (package {}) points outside the data area at block "
                            "{} + {}",
                            number, slot.package_index, slot.block_offset, slot.block_count));
            continue;
        }
        slots.push_back(slot);
    }
    return slots;
}

// Blobs never share blocks; dropping overlapping slots also keeps the checksum work linear.
void drop_overlapping_slots(std::vector<Slot>& slots, std::vector<std::string>& warnings) {
    std::vector<size_t> by_offset(slots.size());
    std::iota(by_offset.begin(), by_offset.end(), size_t{0});
    std::sort(by_offset.begin(), by_offset.end(),
              [&](size_t a, size_t b) { return slots[a].block_offset < slots[b].block_offset; });
    std::vector<bool> overlapping(slots.size(), false);
    uint64_t covered_until = 0;
    for (size_t index : by_offset) {
        const Slot& slot = slots[index];
        if (slot.block_offset < covered_until) {
            overlapping[index] = true;
            add_capped_warning(warnings, fmt::format("slot {} (package {}) overlaps another blob",
                                                     slot.number, slot.package_index));
            continue;
        }
        covered_until = uint64_t{slot.block_offset} + slot.block_count;
    }
    std::vector<Slot> kept;
    kept.reserve(slots.size());
    for (size_t i = 0; i < slots.size(); ++i)
        if (!overlapping[i]) kept.push_back(slots[i]);
    slots = std::move(kept);
}

}  // namespace

Status read_ndb_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                      std::vector<std::string>& warnings) {
    if (file.size() < kFileHeaderBytes || read_le32(file, 0) != kFileMagic)
        return Error{"not an rpm NDB package database (no 'RpmP' magic)"};
    const uint32_t version = read_le32(file, 4);
    if (version != kSupportedVersion)
        return Error{fmt::format("NDB version {} is not supported", version)};
    const uint32_t slot_pages = read_le32(file, 12);
    if (slot_pages == 0 || uint64_t{slot_pages} * kSlotPageBytes > file.size())
        return Error{
            fmt::format("{} slot pages do not fit the {}-byte file", slot_pages, file.size())};

    std::vector<Slot> slots = read_slots(file, slot_pages, warnings);
    drop_overlapping_slots(slots, warnings);
    for (const Slot& slot : slots) {
        auto blob = read_blob(file, slot);
        if (!blob) {
            add_capped_warning(
                warnings, fmt::format("package {}: {}", slot.package_index, blob.error().message));
            continue;
        }
        visit(slot.package_index, *blob);
    }
    return Status::Ok();
}

}  // namespace moat::rpm
