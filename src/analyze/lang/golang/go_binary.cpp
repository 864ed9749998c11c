#include "analyze/lang/golang/go_binary.h"

#include <fmt/format.h>

#include <cctype>

#include "analyze/lang/golang/go_elf.h"
#include "analyze/lang/golang/go_semver.h"

namespace moat::golang {
namespace {

constexpr std::string_view kBuildInfoMagic = "\xff Go buildinf:";
constexpr size_t kBuildInfoHeaderSize = 32;
constexpr size_t kBuildInfoAlign = 16;
// The linker puts the header near the start of the data; Go itself looks at the first 64 KiB.
constexpr uint64_t kSearchWindow = 64 * 1024;
// No real module list comes near this; it bounds what a hostile length field can make us copy.
constexpr uint64_t kMaxStringSize = 16ull << 20;
constexpr uint8_t kInlineStringsFlag = 2;  // Go >= 1.18: strings follow the header
constexpr size_t kModinfoSentinelSize = 16;
constexpr std::string_view kDevelVersion = "(devel)";

// An unsigned LEB128 varint from the front of `data`; nullopt when truncated or over 64 bits.
std::optional<uint64_t> take_uvarint(std::string_view& data) {
    uint64_t value = 0;
    for (size_t i = 0; i < data.size() && i < 10; ++i) {
        const auto byte = static_cast<uint8_t>(data[i]);
        if (i == 9 && byte > 1) return std::nullopt;
        value |= uint64_t{byte & 0x7fu} << (7 * i);
        if ((byte & 0x80) == 0) {
            data.remove_prefix(i + 1);
            return value;
        }
    }
    return std::nullopt;
}

// A varint-length-prefixed string from the front of `data` (the Go >= 1.18 layout).
std::optional<std::string_view> take_inline_string(std::string_view& data) {
    const auto length = take_uvarint(data);
    if (!length || *length > data.size() || *length > kMaxStringSize) return std::nullopt;
    auto text = data.substr(0, *length);
    data.remove_prefix(*length);
    return text;
}

// A Go string header (data pointer, length) at `address`, and the bytes it points to
// (the pre-1.18 layout, where the build info header holds pointers).
std::optional<std::string_view> read_string_header(const ElfFile& elf, size_t pointer_size, uint64_t address) {
    const auto header = elf.read_exact(address, 2 * pointer_size);
    if (!header) return std::nullopt;
    const uint64_t data = elf.decode(header->substr(0, pointer_size), pointer_size);
    const uint64_t length = elf.decode(header->substr(pointer_size), pointer_size);
    if (length > kMaxStringSize) return std::nullopt;
    return elf.read_exact(data, length);
}

// The build info header: the first 16-byte aligned occurrence of the magic with room for the
// whole header after it.
std::optional<std::string_view> find_header(std::string_view window, uint64_t window_address) {
    for (size_t at = window.find(kBuildInfoMagic); at != std::string_view::npos;
         at = window.find(kBuildInfoMagic, at + 1)) {
        if (window.size() - at < kBuildInfoHeaderSize) return std::nullopt;
        if ((window_address + at) % kBuildInfoAlign == 0) return window.substr(at);
    }
    return std::nullopt;
}

// The module lines between the 16-byte start and end sentinels Go wraps them in.
std::string strip_sentinels(std::string_view modinfo) {
    const size_t framing = 2 * kModinfoSentinelSize;
    if (modinfo.size() <= framing || modinfo[modinfo.size() - kModinfoSentinelSize - 1] != '\n') return {};
    return std::string(modinfo.substr(kModinfoSentinelSize, modinfo.size() - framing));
}

void append_utf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
        out += static_cast<char>(code);
    } else if (code < 0x800) {
        out += static_cast<char>(0xc0 | (code >> 6));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        out += static_cast<char>(0xe0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | ((code >> 18) & 0x07));
        out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code & 0x3f));
    }
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// A build setting value as Go writes it: plain, `raw`, or "quoted" with Go escapes.
std::optional<std::string> unquote_setting(std::string_view raw) {
    if (raw.empty() || (raw[0] != '"' && raw[0] != '`')) return std::string(raw);
    if (raw.size() < 2 || raw.back() != raw[0]) return std::nullopt;
    const std::string_view body = raw.substr(1, raw.size() - 2);
    if (raw[0] == '`') return std::string(body);
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\\') {
            out += body[i];
            continue;
        }
        if (++i >= body.size()) return std::nullopt;
        const char escape = body[i];
        size_t digits = 0;
        switch (escape) {
            case 'a': out += '\a'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'v': out += '\v'; break;
            case '\\': case '"': case '\'': out += escape; break;
            case 'x': digits = 2; break;
            case 'u': digits = 4; break;
            case 'U': digits = 8; break;
            default:
                if (is_octal(escape) && i + 2 < body.size() && is_octal(body[i + 1]) && is_octal(body[i + 2])) {
                    out += static_cast<char>(((escape - '0') << 6) | ((body[i + 1] - '0') << 3) | (body[i + 2] - '0'));
                    i += 2;
                    break;
                }
                return std::nullopt;
        }
        if (digits == 0) continue;
        uint32_t code = 0;
        for (size_t d = 1; d <= digits; ++d) {
            if (i + d >= body.size()) return std::nullopt;
            const int value = hex_value(body[i + d]);
            if (value < 0) return std::nullopt;
            code = (code << 4) | static_cast<uint32_t>(value);
        }
        i += digits;
        if (escape == 'x')
            out += static_cast<char>(code);
        else if (code <= 0x10ffff)
            append_utf8(out, code);
        else
            return std::nullopt;
    }
    return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        const size_t end = text.find(separator, start);
        if (end == std::string_view::npos) {
            parts.push_back(text.substr(start));
            return parts;
        }
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
}

std::vector<std::string_view> fields(std::string_view text) {
    std::vector<std::string_view> out;
    size_t at = 0;
    while (at < text.size()) {
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
        size_t end = at;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
        if (end > at) out.push_back(text.substr(at, end - at));
        at = end;
    }
    return out;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The value of one "-X" argument ("pkg.name=value[,pkg2.name=value]"): the first version-like
// assignment to a variable called version/ver, "" when none.
std::string stamped_version(std::string_view assignments) {
    for (auto assignment : split(assignments, ',')) {
        const size_t equals = assignment.find('=');
        if (equals == std::string_view::npos) continue;
        std::string_view key = assignment.substr(0, equals);
        std::string_view value = assignment.substr(equals + 1);
        while (!key.empty() && (key.front() == '\'' || key.front() == '"')) key.remove_prefix(1);
        while (!value.empty() && (value.back() == '\'' || value.back() == '"')) value.remove_suffix(1);
        const std::string name = lowercase(key);
        if (!name.ends_with(".version") && !name.ends_with(".ver")) continue;
        if (is_valid_semver(value) || is_valid_semver(fmt::format("v{}", value))) return std::string(value);
    }
    return {};
}

struct Module {
    std::string path, version;
};

// "path\tversion[\tsum]" of a mod, dep or => line.
std::optional<Module> module_columns(std::string_view columns) {
    const auto parts = split(columns, '\t');
    if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
    return Module{std::string(parts[0]), std::string(parts[1])};
}

std::string reported_version(const std::string& version) { return version == kDevelVersion ? "" : version; }

Package go_package(std::string name, std::string version) {
    Package package;
    package.type = "golang";
    package.name = std::move(name);
    package.version = std::move(version);
    return package;
}

}  // namespace

Result<std::optional<GoBuildInfo>> read_go_build_info(std::string_view elf_bytes) {
    auto elf = ElfFile::parse(elf_bytes);
    if (!elf) return elf.error();
    // Go's own rule: the header sits in .go.buildinfo when the binary has section headers,
    // otherwise near the start of the first writable data segment.
    auto start = elf->section_address(".go.buildinfo");
    if (!start) start = elf->first_writable_data_segment_address();
    if (!start) return std::optional<GoBuildInfo>{};
    const auto header = find_header(elf->read_up_to(*start, kSearchWindow), *start);
    if (!header) return std::optional<GoBuildInfo>{};

    const auto pointer_size = static_cast<uint8_t>((*header)[14]);
    const auto flags = static_cast<uint8_t>((*header)[15]);
    std::optional<std::string_view> version, modinfo;
    if (flags & kInlineStringsFlag) {
        std::string_view rest = header->substr(kBuildInfoHeaderSize);
        version = take_inline_string(rest);
        if (version) modinfo = take_inline_string(rest);
    } else {
        if (pointer_size != 4 && pointer_size != 8)
            return Error{fmt::format("Go build info has pointer size {}", pointer_size)};
        // The pointers are in the byte order the header names, which is the ELF's.
        const uint64_t version_address = elf->decode(header->substr(16, pointer_size), pointer_size);
        const uint64_t modinfo_address = elf->decode(header->substr(16 + pointer_size, pointer_size), pointer_size);
        version = read_string_header(*elf, pointer_size, version_address);
        if (version) modinfo = read_string_header(*elf, pointer_size, modinfo_address);
    }
    if (!version || version->empty()) return Error{"Go build info header without a readable Go version"};
    GoBuildInfo info;
    info.go_version = std::string(*version);
    if (modinfo) info.modinfo = strip_sentinels(*modinfo);
    return std::optional<GoBuildInfo>(std::move(info));
}

std::string version_from_ldflags(std::string_view ldflags) {
    const auto arguments = fields(ldflags);
    for (size_t i = 0; i < arguments.size(); ++i) {
        std::string_view argument = arguments[i];
        std::string_view assignments;
        if (argument == "-X" || argument == "--X") {
            if (i + 1 < arguments.size()) assignments = arguments[++i];
        } else if (argument.starts_with("--X=")) {
            assignments = argument.substr(4);
        } else if (argument.starts_with("-X=")) {
            assignments = argument.substr(3);
        } else if (argument.starts_with("-X")) {
            assignments = argument.substr(2);
        }
        if (auto version = stamped_version(assignments); !version.empty()) return version;
    }
    return {};
}

std::vector<Package> go_build_info_packages(const GoBuildInfo& info, std::vector<std::string>& warnings) {
    std::vector<Package> packages;
    // "go1.22.1 X:loopvar" -> "1.22.1": experiments and anything after a space are not the version.
    std::string_view toolchain = info.go_version;
    toolchain = toolchain.substr(0, toolchain.find_first_of(" \t"));
    if (toolchain.starts_with("go") && toolchain.size() > 2 && std::isdigit(static_cast<unsigned char>(toolchain[2])))
        packages.push_back(go_package("stdlib", fmt::format("v{}", toolchain.substr(2))));

    std::optional<Module> main_module;
    std::vector<Module> dependencies;
    Module* last = nullptr;  // the module a following "=>" line replaces
    std::string ldflags;
    size_t line_number = 0;
    for (auto line : split(info.modinfo, '\n')) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const size_t tab = line.find('\t');
        if (tab == std::string_view::npos) continue;
        const std::string_view kind = line.substr(0, tab), rest = line.substr(tab + 1);
        if (kind == "mod" || kind == "dep" || kind == "=>") {
            auto module = module_columns(rest);
            if (!module) {
                warnings.push_back(fmt::format("build info line {}: malformed {} line, skipped", line_number, kind));
                last = nullptr;
                continue;
            }
            if (kind == "mod") {
                main_module = std::move(*module);
                last = &*main_module;
            } else if (kind == "dep") {
                dependencies.push_back(std::move(*module));
                last = &dependencies.back();
            } else if (last) {
                *last = std::move(*module);
                last = nullptr;
            } else {
                warnings.push_back(fmt::format("build info line {}: replacement without a module", line_number));
            }
        } else if (kind == "build") {
            const size_t equals = rest.find('=');
            if (equals == std::string_view::npos || rest.substr(0, equals) != "-ldflags") continue;
            auto value = unquote_setting(rest.substr(equals + 1));
            if (value) ldflags = std::move(*value);
        }
    }
    for (auto& dependency : dependencies) {
        // Old toolchains listed the main module among the deps with an empty path.
        if (dependency.path.empty()) continue;
        packages.push_back(go_package(std::move(dependency.path), reported_version(dependency.version)));
    }
    // Binaries built from files ("go run x.go") or the Go tools themselves have no main module.
    if (main_module && !main_module->path.empty()) {
        std::string version = reported_version(main_module->version);
        if (version.empty()) version = version_from_ldflags(ldflags);
        packages.push_back(go_package(std::move(main_module->path), std::move(version)));
    }
    return packages;
}

std::vector<Package> parse_go_binary(std::string_view elf_bytes, std::vector<std::string>& warnings) {
    auto info = read_go_build_info(elf_bytes);
    if (!info) {
        warnings.push_back(fmt::format("not a readable Go binary: {}", info.error().message));
        return {};
    }
    if (!*info) return {};
    return go_build_info_packages(**info, warnings);
}

}  // namespace moat::golang

namespace moat {

PathInterest GoBinaryAnalyzer::interest() const {
    PathInterest interest;
    interest.elf_executables = true;
    // Large enough for the biggest Go programs (kubelet, hyperkube); the body is held in memory.
    interest.max_bytes = 256ull << 20;
    return interest;
}

std::vector<Package> GoBinaryAnalyzer::analyze(const FileView& files, const AnalysisContext&,
                                               std::vector<std::string>& warnings) const {
    std::vector<Package> packages;
    for (const auto& file : files.files_matching([](std::string_view) { return true; })) {
        if (!file.bytes.starts_with("\x7f" "ELF")) continue;
        std::vector<std::string> notes;
        auto found = golang::parse_go_binary(file.bytes, notes);
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
