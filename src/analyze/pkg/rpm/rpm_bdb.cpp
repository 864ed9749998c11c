#include "analyze/pkg/rpm/rpm_bdb.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace moat::rpm {
namespace {

// Layout facts of Berkeley DB (dbinc/db_page.h): a 512-byte-or-larger metadata page, then pages
// with a 26-byte header {lsn 8, pgno 4, prev 4, next 4, entries 2, hf_offset 2, level 1, type 1}.
constexpr uint32_t kHashMagic = 0x061561;
constexpr uint32_t kBtreeMagic = 0x053162;
constexpr size_t kMetaPageMinBytes = 512;
constexpr uint8_t kPageTypeHashUnsorted = 2;
constexpr uint8_t kPageTypeOverflow = 7;
constexpr uint8_t kPageTypeHashMeta = 8;
constexpr uint8_t kPageTypeHash = 13;
constexpr uint8_t kMetaFlagChecksum = 0x01;
constexpr size_t kPageHeaderBytes = 26;
constexpr size_t kPageHeaderWithChecksumBytes = 32;  // + 2 alignment bytes + 4-byte checksum

// Hash item types: the first byte of every item on a hash page.
constexpr uint8_t kItemKeyData = 1;
constexpr uint8_t kItemOffPage = 3;
constexpr size_t kOffPageItemBytes = 12;  // type 1, unused 3, pgno 4, total length 4

class BdbFile {
  public:
    static Result<BdbFile> open(std::string_view file, std::vector<std::string>& warnings) {
        if (file.size() < kMetaPageMinBytes)
            return Error{
                fmt::format("{} bytes is too short for a Berkeley DB metadata page", file.size())};
        BdbFile db;
        db.file_ = file;
        const uint32_t magic = db.u32(file, 12);
        if (magic != kHashMagic) {
            db.swapped_ = true;
            const uint32_t swapped_magic = db.u32(file, 12);
            if (swapped_magic != kHashMagic) {
                if (magic == kBtreeMagic || swapped_magic == kBtreeMagic)
                    return Error{"a Berkeley DB Btree database, not the Hash database rpm writes"};
                return Error{fmt::format("not a Berkeley DB hash database (magic {:#x})", magic)};
            }
        }
        db.page_size_ = db.u32(file, 20);
        if (db.page_size_ < 512 || db.page_size_ > 65536 ||
            (db.page_size_ & (db.page_size_ - 1)) != 0)
            return Error{
                fmt::format("page size {} is not a power of two in 512..65536", db.page_size_)};
        if (static_cast<uint8_t>(file[24]) != 0) return Error{"the database is encrypted"};
        if (static_cast<uint8_t>(file[25]) != kPageTypeHashMeta)
            return Error{fmt::format("metadata page has type {}, not hash metadata",
                                     static_cast<uint8_t>(file[25]))};
        db.page_overhead_ = (static_cast<uint8_t>(file[26]) & kMetaFlagChecksum)
                                ? kPageHeaderWithChecksumBytes
                                : kPageHeaderBytes;
        const uint64_t pages_in_file = file.size() / db.page_size_;
        const uint64_t pages_claimed = uint64_t{db.u32(file, 32)} + 1;  // last_pgno + 1
        if (pages_claimed > pages_in_file || file.size() % db.page_size_ != 0)
            add_capped_warning(
                warnings, fmt::format("file is truncated: metadata names {} pages of {} bytes, "
                                      "the file holds {} bytes",
                                      pages_claimed, db.page_size_, file.size()));
        db.page_count_ = static_cast<uint32_t>(std::min(pages_in_file, pages_claimed));
        return db;
    }

    uint32_t page_count() const { return page_count_; }
    size_t page_size() const { return page_size_; }
    size_t page_overhead() const { return page_overhead_; }
    std::string_view page(uint32_t number) const {
        return file_.substr(size_t{number} * page_size_, page_size_);
    }
    uint8_t type(std::string_view page) const { return static_cast<uint8_t>(page[25]); }
    uint32_t next_page(std::string_view page) const { return u32(page, 16); }
    uint16_t entries(std::string_view page) const { return u16(page, 20); }
    uint16_t high_free_offset(std::string_view page) const { return u16(page, 22); }

    uint16_t u16(std::string_view bytes, size_t offset) const {
        const auto b0 = static_cast<uint16_t>(static_cast<unsigned char>(bytes[offset]));
        const auto b1 = static_cast<uint16_t>(static_cast<unsigned char>(bytes[offset + 1]));
        return swapped_ ? static_cast<uint16_t>(b0 << 8 | b1) : static_cast<uint16_t>(b1 << 8 | b0);
    }
    uint32_t u32(std::string_view bytes, size_t offset) const {
        const uint32_t low = u16(bytes, offset), high = u16(bytes, offset + 2);
        return swapped_ ? (low << 16 | high) : (high << 16 | low);
    }

  private:
    std::string_view file_;
    bool swapped_ = false;
    uint32_t page_size_ = 0;
    size_t page_overhead_ = kPageHeaderBytes;
    uint32_t page_count_ = 0;
};

// The walk over all hash pages, with the state that keeps it bounded: every overflow page may
// serve one chain only, so cycles and shared chains end early and total work stays linear.
class HashPageWalker {
  public:
    HashPageWalker(const BdbFile& db, const HeaderBlobVisitor& visit,
                   std::vector<std::string>& warnings)
        : db_(db),
          visit_(visit),
          warnings_(warnings),
          overflow_page_used_(db.page_count(), false) {}

    void walk() {
        for (uint32_t number = 1; number < db_.page_count(); ++number) {
            std::string_view page = db_.page(number);
            const uint8_t type = db_.type(page);
            if (type == kPageTypeHash || type == kPageTypeHashUnsorted)
                read_hash_page(number, page);
        }
    }

  private:
    // Item `index` of a hash page; items are packed from the page end downwards, so an item
    // ends where the previous one starts.
    std::optional<std::string_view> item(std::string_view page, size_t entry_count,
                                         size_t index) const {
        const size_t index_area_end = db_.page_overhead() + 2 * entry_count;
        const size_t start = db_.u16(page, db_.page_overhead() + 2 * index);
        const size_t end =
            index == 0 ? db_.page_size() : db_.u16(page, db_.page_overhead() + 2 * (index - 1));
        if (start < index_area_end || start >= end || end > db_.page_size()) return std::nullopt;
        return page.substr(start, end - start);
    }

    void read_hash_page(uint32_t number, std::string_view page) {
        const size_t entry_count = db_.entries(page);
        if (db_.page_overhead() + 2 * entry_count > db_.page_size()) {
            add_capped_warning(warnings_,
                               fmt::format("hash page {} claims {} entries", number, entry_count));
            return;
        }
        if (entry_count % 2 != 0)
            add_capped_warning(warnings_,
                               fmt::format("hash page {} has an odd number of items", number));
        for (size_t pair = 0; pair + 1 < entry_count; pair += 2) {
            auto key = item(page, entry_count, pair);
            auto data = item(page, entry_count, pair + 1);
            if (!key || !data || key->front() != kItemKeyData) {
                add_capped_warning(warnings_,
                                   fmt::format("hash page {} item {} is malformed", number, pair));
                continue;
            }
            std::string_view key_bytes = key->substr(1);
            if (key_bytes.size() != 4) {
                add_capped_warning(
                    warnings_, fmt::format("hash page {} has a {}-byte key, not a package number",
                                           number, key_bytes.size()));
                continue;
            }
            const uint32_t record = db_.u32(key_bytes, 0);
            if (record == 0) continue;  // record 0 holds rpm's next package number, not a header
            read_record(record, *data);
        }
    }

    void read_record(uint32_t record, std::string_view data) {
        const uint8_t item_type = static_cast<uint8_t>(data.front());
        if (item_type == kItemKeyData) {
            visit_(record, data.substr(1));
            return;
        }
        if (item_type != kItemOffPage || data.size() < kOffPageItemBytes) {
            add_capped_warning(warnings_, fmt::format("record {}: unexpected hash item type {}",
                                                      record, item_type));
            return;
        }
        Status status = read_overflow_chain(db_.u32(data, 4), db_.u32(data, 8));
        if (!status) {
            add_capped_warning(warnings_, fmt::format("record {}: {}", record, status.message()));
            return;
        }
        visit_(record, assembled_);
    }

    Status read_overflow_chain(uint32_t first_page, uint32_t total_bytes) {
        if (total_bytes > kMaxHeaderBlobBytes ||
            total_bytes > uint64_t{db_.page_count()} * db_.page_size())
            return Error{
                fmt::format("overflow item of {} bytes is larger than possible", total_bytes)};
        assembled_.clear();
        assembled_.reserve(total_bytes);
        const size_t page_capacity = db_.page_size() - db_.page_overhead();
        uint32_t number = first_page;
        while (assembled_.size() < total_bytes) {
            if (number == 0 || number >= db_.page_count())
                return Error{fmt::format("overflow chain points at page {} after {} of {} bytes",
                                         number, assembled_.size(), total_bytes)};
            if (overflow_page_used_[number])
                return Error{fmt::format(
                    "overflow page {} is reached twice (a cycle or a shared chain)", number)};
            overflow_page_used_[number] = true;
            std::string_view page = db_.page(number);
            if (db_.type(page) != kPageTypeOverflow)
                return Error{fmt::format("page {} in an overflow chain has type {}", number,
                                         db_.type(page))};
            const size_t length = db_.high_free_offset(page);  // bytes of data on an overflow page
            if (length > page_capacity)
                return Error{fmt::format("overflow page {} claims {} bytes", number, length)};
            assembled_.append(page.substr(db_.page_overhead(),
                                          std::min(length, total_bytes - assembled_.size())));
            number = db_.next_page(page);
        }
        return Status::Ok();
    }

    const BdbFile& db_;
    const HeaderBlobVisitor& visit_;
    std::vector<std::string>& warnings_;
    std::vector<bool> overflow_page_used_;
    std::string assembled_;
};

}  // namespace

Status read_bdb_blobs(std::string_view file, const HeaderBlobVisitor& visit,
                      std::vector<std::string>& warnings) {
    auto db = BdbFile::open(file, warnings);
    if (!db) return db.error();
    HashPageWalker(*db, visit, warnings).walk();
    return Status::Ok();
}

}  // namespace moat::rpm
