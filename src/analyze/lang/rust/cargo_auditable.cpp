#include "analyze/lang/rust/cargo_auditable.h"

#include <fmt/format.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "analyze/lang/elf/elf_sections.h"

namespace moat {
namespace {

constexpr std::string_view kSectionName = ".dep-v0";
// cargo-auditable refuses to read more than 8 MiB of JSON itself; the same cap bounds a bomb.
constexpr size_t kMaxJsonBytes = 8u << 20;
constexpr size_t kMaxJsonDepth = 32;  // the real document nests 4 levels
// Executables worth opening: statically linked Rust programs reach a few hundred MiB at most.
constexpr size_t kMaxBinaryBytes = 512u << 20;

// Inflates a zlib stream, refusing output beyond `limit` bytes.
Result<std::string> inflate_bounded(std::string_view compressed, size_t limit) {
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK) return Error{"zlib cannot start"};
    std::string out;
    char buffer[65536];
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(std::min<size_t>(compressed.size(), UINT32_MAX));
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) break;
        const size_t produced = sizeof buffer - stream.avail_out;
        if (out.size() + produced > limit) {
            inflateEnd(&stream);
            return Error{fmt::format("decompresses to more than {} bytes", limit)};
        }
        out.append(buffer, produced);
        if (status == Z_OK && produced == 0 && stream.avail_in == 0) break;  // input ended early
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) return Error{"zlib stream is damaged or truncated"};
    return out;
}

// Whether no object or array in `json` nests deeper than `limit` (strings skipped).
bool nesting_within(std::string_view json, size_t limit) {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return true;
}

std::string string_field(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<Package> parse_cargo_auditable_json(std::string_view json, std::vector<std::string>& warnings) {
    if (!nesting_within(json, kMaxJsonDepth)) {
        warnings.push_back(fmt::format("dependency list nests deeper than {} levels; not read", kMaxJsonDepth));
        return {};
    }
    const auto document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded() || !document.is_object()) {
        warnings.push_back("dependency list is not a JSON object");
        return {};
    }
    const auto list = document.find("packages");
    if (list == document.end() || !list->is_array()) {
        warnings.push_back("dependency list has no \"packages\" array");
        return {};
    }
    std::vector<Package> packages;
    for (const auto& entry : *list) {
        if (!entry.is_object()) continue;
        Package package;
        package.type = "cargo";
        package.name = string_field(entry, "name");
        package.version = string_field(entry, "version");
        if (package.name.empty() || package.version.empty()) {
            warnings.push_back("a crate without name or version; skipped");
            continue;
        }
        // "runtime" is the default; build scripts and proc-macros run at build time only.
        if (string_field(entry, "kind") == "build") continue;
        packages.push_back(std::move(package));
    }
    return packages;
}

std::vector<Package> parse_cargo_auditable_binary(std::string_view binary, std::vector<std::string>& warnings) {
    const auto section = elf::find_section(binary, kSectionName);
    if (!section) {
        warnings.push_back(fmt::format("malformed ELF ({}); skipped", section.error().message));
        return {};
    }
    if (!*section) return {};
    auto json = inflate_bounded(**section, kMaxJsonBytes);
    if (!json) {
        warnings.push_back(fmt::format("{} section: {}", kSectionName, json.error().message));
        return {};
    }
    return parse_cargo_auditable_json(*json, warnings);
}

PathInterest RustBinaryAnalyzer::interest() const {
    PathInterest interest;
    interest.elf_executables = true;
    interest.max_bytes = kMaxBinaryBytes;
    return interest;
}

std::vector<Package> RustBinaryAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                                 std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    // Other analyzers' captures are in the view too; the ELF magic picks the binaries.
    for (const auto& file : files.files_matching([](std::string_view) { return true; })) {
        if (!elf::has_elf_magic(file.bytes)) continue;
        std::vector<std::string> notes;
        auto found = parse_cargo_auditable_binary(file.bytes, notes);
        for (auto& note : notes) warnings.push_back(fmt::format("{}: {}", file.path, note));
        for (auto& package : found) {
            package.path = file.path;
            package.layer = file.layer;
            packages.push_back(std::move(package));
        }
    }
    return packages;
}

}  // namespace moat
