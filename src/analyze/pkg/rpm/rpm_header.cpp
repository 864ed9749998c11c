#include "analyze/pkg/rpm/rpm_header.h"

#include <utility>

#include <fmt/format.h>

namespace moat::rpm {
namespace {

// Tag data types (rpmTagType).
constexpr uint32_t kTypeInt32 = 4;
constexpr uint32_t kTypeString = 6;
constexpr uint32_t kTypeStringArray = 8;
constexpr uint32_t kTypeI18nString = 9;

constexpr uint32_t kTagName = 1000;
constexpr uint32_t kTagVersion = 1001;
constexpr uint32_t kTagRelease = 1002;
constexpr uint32_t kTagEpoch = 1003;
constexpr uint32_t kTagVendor = 1011;
constexpr uint32_t kTagLicense = 1014;
constexpr uint32_t kTagArch = 1022;
constexpr uint32_t kTagOldFilenames = 1027;  // before rpm 4.0's compressed file names
constexpr uint32_t kTagSourceRpm = 1044;
constexpr uint32_t kTagDirIndexes = 1116;
constexpr uint32_t kTagBasenames = 1117;
constexpr uint32_t kTagDirNames = 1118;
constexpr uint32_t kTagModularityLabel = 5096;

constexpr size_t kPreambleBytes = 8;
constexpr size_t kIndexEntryBytes = 16;

// A file list is stored compressed (each directory once); expanded it may not grow beyond this
// multiple of the blob, so a few bytes cannot claim gigabytes of paths.
constexpr uint64_t kFileListExpansionLimit = 16;

uint32_t read_be32(std::string_view bytes, size_t offset) {
    auto byte = [&](size_t i) {
        return static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i]));
    };
    return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

std::string tag_label(uint32_t tag) {
    static constexpr std::pair<uint32_t, std::string_view> kLabels[] = {
        {kTagName, "NAME"},
        {kTagVersion, "VERSION"},
        {kTagRelease, "RELEASE"},
        {kTagEpoch, "EPOCH"},
        {kTagVendor, "VENDOR"},
        {kTagLicense, "LICENSE"},
        {kTagArch, "ARCH"},
        {kTagOldFilenames, "OLDFILENAMES"},
        {kTagSourceRpm, "SOURCERPM"},
        {kTagDirIndexes, "DIRINDEXES"},
        {kTagBasenames, "BASENAMES"},
        {kTagDirNames, "DIRNAMES"},
        {kTagModularityLabel, "MODULARITYLABEL"},
    };
    for (const auto& [known, label] : kLabels)
        if (known == tag) return std::string(label);
    return fmt::format("tag {}", tag);
}

struct IndexEntry {
    uint32_t tag;
    uint32_t type;
    uint32_t offset;
    uint32_t count;
};

// The index and data store of one blob; typed accessors check every entry against the store.
class HeaderView {
  public:
    static Result<HeaderView> open(std::string_view blob) {
        if (blob.size() < kPreambleBytes)
            return Error{fmt::format("header blob of {} bytes is shorter than its 8-byte preamble",
                                     blob.size())};
        const uint32_t index_count = read_be32(blob, 0);
        const uint32_t data_bytes = read_be32(blob, 4);
        if (index_count == 0 || index_count > kMaxIndexEntries)
            return Error{fmt::format("header index count {} is outside 1..{}", index_count,
                                     kMaxIndexEntries)};
        if (data_bytes > kMaxDataBytes)
            return Error{
                fmt::format("header data length {} exceeds {}", data_bytes, kMaxDataBytes)};
        const uint64_t needed =
            kPreambleBytes + uint64_t{index_count} * kIndexEntryBytes + data_bytes;
        if (needed > blob.size())
            return Error{fmt::format(
                "header needs {} bytes ({} index entries, {} data bytes) but the blob has {}",
                needed, index_count, data_bytes, blob.size())};
        HeaderView view;
        view.entries_.reserve(index_count);
        for (uint32_t i = 0; i < index_count; ++i) {
            const size_t at = kPreambleBytes + size_t{i} * kIndexEntryBytes;
            view.entries_.push_back(IndexEntry{read_be32(blob, at), read_be32(blob, at + 4),
                                               read_be32(blob, at + 8), read_be32(blob, at + 12)});
        }
        view.data_ =
            blob.substr(kPreambleBytes + size_t{index_count} * kIndexEntryBytes, data_bytes);
        return view;
    }

    // Entries added after install (outside the immutable region) come later in the index and
    // override region entries of the same tag, as in rpm's headerImport.
    const IndexEntry* find(uint32_t tag) const {
        for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
            if (it->tag == tag) return &*it;
        return nullptr;
    }

    Result<std::vector<std::string_view>> strings(const IndexEntry& entry) const {
        if (entry.type != kTypeString && entry.type != kTypeStringArray &&
            entry.type != kTypeI18nString)
            return Error{
                fmt::format("{} has type {}, not a string type", tag_label(entry.tag), entry.type)};
        if (entry.offset >= data_.size())
            return Error{fmt::format("{} offset {} is beyond the {}-byte data store",
                                     tag_label(entry.tag), entry.offset, data_.size())};
        // Every string takes at least its NUL, so a count larger than the rest of the store lies.
        if (entry.count == 0 || entry.count > data_.size() - entry.offset)
            return Error{fmt::format("{} count {} does not fit the data store",
                                     tag_label(entry.tag), entry.count)};
        std::vector<std::string_view> out;
        out.reserve(entry.count);
        size_t position = entry.offset;
        for (uint32_t i = 0; i < entry.count; ++i) {
            const size_t end = data_.find('\0', position);
            if (end == std::string_view::npos)
                return Error{
                    fmt::format("{} string {} runs past the data store", tag_label(entry.tag), i)};
            out.push_back(data_.substr(position, end - position));
            position = end + 1;
        }
        return out;
    }

    Result<std::vector<uint32_t>> int32s(const IndexEntry& entry) const {
        if (entry.type != kTypeInt32)
            return Error{
                fmt::format("{} has type {}, not INT32", tag_label(entry.tag), entry.type)};
        if (entry.count == 0 || uint64_t{entry.offset} + uint64_t{entry.count} * 4 > data_.size())
            return Error{
                fmt::format("{} ({} values at offset {}) does not fit the {}-byte data store",
                            tag_label(entry.tag), entry.count, entry.offset, data_.size())};
        std::vector<uint32_t> out;
        out.reserve(entry.count);
        for (uint32_t i = 0; i < entry.count; ++i)
            out.push_back(read_be32(data_, entry.offset + size_t{i} * 4));
        return out;
    }

  private:
    std::vector<IndexEntry> entries_;
    std::string_view data_;
};

// Reads a string tag into `out`; an absent tag leaves `out` empty.
Status read_string(const HeaderView& view, uint32_t tag, std::string& out) {
    const IndexEntry* entry = view.find(tag);
    if (!entry) return Status::Ok();
    auto values = view.strings(*entry);
    if (!values) return values.error();
    out = std::string(values->front());
    return Status::Ok();
}

void append_path(std::vector<std::string>& files, std::string_view directory,
                 std::string_view base) {
    std::string path;
    path.reserve(directory.size() + base.size());
    path.append(directory).append(base);
    const size_t first = path.find_first_not_of('/');
    if (first == std::string::npos) return;  // "/" itself is not a file a package installs
    files.push_back(path.substr(first));
}

Result<std::vector<std::string>> read_file_list(const HeaderView& view, size_t blob_size) {
    const uint64_t budget = kFileListExpansionLimit * blob_size + 65536;
    std::vector<std::string> files;
    const IndexEntry* basenames_entry = view.find(kTagBasenames);
    if (!basenames_entry) {
        const IndexEntry* old_entry = view.find(kTagOldFilenames);
        if (!old_entry) return files;
        auto old_names = view.strings(*old_entry);
        if (!old_names) return old_names.error();
        for (std::string_view name : *old_names) append_path(files, "", name);
        return files;
    }
    const IndexEntry* indexes_entry = view.find(kTagDirIndexes);
    const IndexEntry* dirnames_entry = view.find(kTagDirNames);
    if (!indexes_entry || !dirnames_entry)
        return Error{"BASENAMES without DIRINDEXES and DIRNAMES"};
    auto basenames = view.strings(*basenames_entry);
    if (!basenames) return basenames.error();
    auto dir_indexes = view.int32s(*indexes_entry);
    if (!dir_indexes) return dir_indexes.error();
    auto dirnames = view.strings(*dirnames_entry);
    if (!dirnames) return dirnames.error();
    if (dir_indexes->size() != basenames->size())
        return Error{
            fmt::format("{} BASENAMES but {} DIRINDEXES", basenames->size(), dir_indexes->size())};

    uint64_t expanded = 0;
    for (size_t i = 0; i < basenames->size(); ++i) {
        const uint32_t dir_index = (*dir_indexes)[i];
        if (dir_index >= dirnames->size())
            return Error{fmt::format("DIRINDEXES[{}] = {} but there are {} DIRNAMES", i, dir_index,
                                     dirnames->size())};
        std::string_view directory = (*dirnames)[dir_index];
        expanded += directory.size() + (*basenames)[i].size();
        if (expanded > budget)
            return Error{fmt::format("file list expands beyond {} bytes", budget)};
        append_path(files, directory, (*basenames)[i]);
    }
    return files;
}

}  // namespace

Result<RpmHeader> parse_header(std::string_view blob) {
    auto opened = HeaderView::open(blob);
    if (!opened) return opened.error();
    const HeaderView& view = *opened;

    RpmHeader header;
    if (!view.find(kTagName)) return Error{"header has no NAME tag"};
    const std::pair<uint32_t, std::string*> text_fields[] = {
        {kTagName, &header.name},
        {kTagVersion, &header.version},
        {kTagRelease, &header.release},
        {kTagArch, &header.arch},
        {kTagSourceRpm, &header.source_rpm},
        {kTagLicense, &header.license},
        {kTagVendor, &header.vendor},
        {kTagModularityLabel, &header.modularity_label},
    };
    for (const auto& [tag, field] : text_fields) {
        Status status = read_string(view, tag, *field);
        if (!status) return status.error();
    }
    if (header.name.empty()) return Error{"header has an empty NAME"};

    if (const IndexEntry* epoch_entry = view.find(kTagEpoch)) {
        auto epoch = view.int32s(*epoch_entry);
        if (!epoch) return epoch.error();
        header.epoch = static_cast<long>(epoch->front());
    }

    auto files = read_file_list(view, blob.size());
    if (!files) return Error{fmt::format("{}: file list: {}", header.name, files.error().message)};
    header.files = std::move(*files);
    return header;
}

std::optional<SourceRpm> split_source_rpm(std::string_view source_rpm) {
    for (std::string_view suffix : {std::string_view(".src.rpm"), std::string_view(".nosrc.rpm")}) {
        if (source_rpm.size() > suffix.size() && source_rpm.ends_with(suffix)) {
            source_rpm.remove_suffix(suffix.size());
            break;
        }
    }
    const size_t release_dash = source_rpm.rfind('-');
    if (release_dash == std::string_view::npos || release_dash == 0) return std::nullopt;
    const size_t version_dash = source_rpm.rfind('-', release_dash - 1);
    if (version_dash == std::string_view::npos || version_dash == 0) return std::nullopt;
    SourceRpm out{std::string(source_rpm.substr(0, version_dash)),
                  std::string(source_rpm.substr(version_dash + 1, release_dash - version_dash - 1)),
                  std::string(source_rpm.substr(release_dash + 1))};
    if (out.version.empty() || out.release.empty()) return std::nullopt;
    return out;
}

void add_capped_warning(std::vector<std::string>& warnings, std::string message) {
    constexpr size_t kKeep = 32;
    if (warnings.size() < kKeep) {
        warnings.push_back(std::move(message));
    } else if (warnings.size() == kKeep) {
        warnings.push_back("further problems in this database are not listed");
    }
}

}  // namespace moat::rpm
