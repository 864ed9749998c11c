#include "analyze/os/os_detector.h"

#include <cctype>
#include <utility>

namespace moat {
namespace {

constexpr std::string_view kBlank = " \t\r\n\v\f";

std::string_view trim(std::string_view text) {
    const auto begin = text.find_first_not_of(kBlank);
    if (begin == std::string_view::npos) return {};
    return text.substr(begin, text.find_last_not_of(kBlank) - begin + 1);
}

template <typename LineFn>
void for_each_line(std::string_view text, LineFn&& on_line) {
    while (!text.empty()) {
        const auto end = text.find('\n');
        on_line(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

std::string_view first_nonblank_line(std::string_view text) {
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = trim(text.substr(0, end));
        if (!line.empty() || end == std::string_view::npos) return line;
        text.remove_prefix(end + 1);
    }
    return {};
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

bool contains_nocase(std::string_view text, std::string_view needle) {
    for (size_t at = 0; at + needle.size() <= text.size(); ++at)
        if (starts_with_nocase(text.substr(at), needle)) return true;
    return false;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A shell-style value: "double quoted" (with \" \\ \$ \` escapes), 'single quoted' or bare.
std::string shell_value(std::string_view raw) {
    raw = trim(raw);
    if (raw.empty() || (raw[0] != '"' && raw[0] != '\'')) return std::string(raw);
    const char quote = raw[0];
    std::string out;
    for (size_t i = 1; i < raw.size() && raw[i] != quote; ++i) {
        if (quote == '"' && raw[i] == '\\' && i + 1 < raw.size() &&
            std::string_view("\"\\$`").find(raw[i + 1]) != std::string_view::npos)
            ++i;
        out += raw[i];
    }
    return out;
}

// KEY=VALUE lines (os-release, lsb-release, SuSE-release) into the fields `keys` names; a
// later line wins, as in the shell.
template <typename Record, size_t N>
Record read_assignments(std::string_view text,
                        const std::pair<std::string_view, std::string Record::*> (&keys)[N]) {
    Record record;
    for_each_line(text, [&](std::string_view line) {
        line = trim(line);
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string_view::npos) return;
        const auto key = trim(line.substr(0, equals));
        for (const auto& [name, field] : keys)
            if (key == name) record.*field = shell_value(line.substr(equals + 1));
    });
    return record;
}

// ---------------------------------------------------------------------------------------------
// os-release

constexpr std::pair<std::string_view, std::string OsRelease::*> kOsReleaseKeys[] = {
    {"ID", &OsRelease::id},
    {"NAME", &OsRelease::name},
    {"VERSION_ID", &OsRelease::version_id},
    {"VERSION_CODENAME", &OsRelease::version_codename},
    {"PRETTY_NAME", &OsRelease::pretty_name},
};

struct OsReleaseFamily {
    std::string_view id;
    std::string_view name_marker;  // when set, NAME must contain it: one ID, two products
    std::string_view family;
};

// os-release ID -> family. An ID missing here is not an OS we can match advisories for.
constexpr OsReleaseFamily kOsReleaseFamilies[] = {
    {"debian", "", "debian"},
    {"ubuntu", "", "ubuntu"},
    {"alpine", "", "alpine"},
    {"wolfi", "", "wolfi"},
    {"chainguard", "", "chainguard"},
    {"rhel", "", "redhat"},
    {"centos", "Stream", "centos-stream"},  // CentOS Stream kept ID=centos
    {"centos", "", "centos"},
    {"rocky", "", "rocky"},
    {"almalinux", "", "alma"},
    {"ol", "", "oracle"},
    {"fedora", "", "fedora"},
    {"amzn", "", "amazon"},
    {"opensuse-leap", "", "opensuse-leap"},
    {"opensuse-tumbleweed", "", "opensuse-tumbleweed"},
    {"opensuse", "Tumbleweed", "opensuse-tumbleweed"},  // before Leap 15, both said ID=opensuse
    {"opensuse", "", "opensuse-leap"},
    {"sles", "", "sles"},
    {"sle-micro", "", "slem"},
    {"sle-micro-rancher", "", "slem"},
    {"sl-micro", "", "slem"},
    {"photon", "", "photon"},
    {"mariner", "", "cbl-mariner"},
    {"azurelinux", "", "azurelinux"},
    {"bottlerocket", "", "bottlerocket"},
    {"coreos", "", "coreos"},
    {"echo", "", "echo"},
    {"minimos", "", "minimos"},
    {"activestate", "", "activestate"},
};

std::string_view family_for_id(std::string_view id, std::string_view name) {
    for (const auto& row : kOsReleaseFamilies)
        if (row.id == id && (row.name_marker.empty() || contains_nocase(name, row.name_marker)))
            return row.family;
    return {};
}

// etc/os-release wins over usr/lib/os-release (os-release(5)); Bottlerocket keeps its own.
constexpr std::string_view kOsReleasePaths[] = {
    "etc/os-release",
    "usr/lib/os-release",
    "x86_64-bottlerocket-linux-gnu/sys-root/usr/lib/os-release",
    "aarch64-bottlerocket-linux-gnu/sys-root/usr/lib/os-release",
};

// ---------------------------------------------------------------------------------------------
// The older release files. Each parser returns what its file claims, or nothing.

using ReleaseFileParser = std::optional<OsInfo> (*)(std::string_view text);

std::optional<OsInfo> parse_alpine_release(std::string_view text) {
    const auto version = first_nonblank_line(text);
    if (version.empty()) return std::nullopt;
    return OsInfo{"alpine", std::string(version)};
}

std::optional<OsInfo> parse_debian_version(std::string_view text) {
    const auto version = first_nonblank_line(text);  // "9.8", or "buster/sid" on testing
    if (version.empty()) return std::nullopt;
    return OsInfo{"debian", std::string(version)};
}

// Product prefix of "<product> release <version> (<codename>)" -> family. Order matters:
// a longer prefix sits before the shorter one it extends.
constexpr std::pair<std::string_view, std::string_view> kRedHatStyleProducts[] = {
    {"CentOS Stream", "centos-stream"},
    {"CentOS", "centos"},
    {"Rocky", "rocky"},
    {"AlmaLinux", "alma"},
    {"Oracle", "oracle"},
    {"Fedora", "fedora"},
    {"Red Hat", "redhat"},
};

// "CentOS Linux release 7.6.1810 (Core)", "Oracle Linux Server release 7.6", ...
std::optional<OsInfo> parse_redhat_style_release(std::string_view text) {
    const auto line = first_nonblank_line(text);
    constexpr std::string_view kRelease = " release ";
    const auto at = line.find(kRelease);
    if (at == std::string_view::npos) return std::nullopt;
    const auto product = line.substr(0, at);
    const auto rest = trim(line.substr(at + kRelease.size()));
    const auto version = rest.substr(0, rest.find_first_of(kBlank));
    if (version.empty()) return std::nullopt;
    for (const auto& [prefix, family] : kRedHatStyleProducts) {
        if (!starts_with_nocase(product, prefix)) continue;
        OsInfo os{std::string(family), std::string(version)};
        const auto open = rest.find('('), close = rest.rfind(')');
        if (open != std::string_view::npos && close != std::string_view::npos && close > open)
            os.codename = std::string(trim(rest.substr(open + 1, close - open - 1)));
        os.pretty_name = std::string(line);
        return os;
    }
    return std::nullopt;
}

// Amazon Linux states its version as free text ("Amazon Linux release 2 (Karoo)",
// "Amazon Linux AMI release 2018.03"); the rest of the line after "Amazon Linux [release ]" is
// kept whole, as Trivy reports it. On other distributions system-release is a link to their
// own release file.
std::optional<OsInfo> parse_system_release(std::string_view text) {
    const auto line = first_nonblank_line(text);
    constexpr std::string_view kAmazon = "Amazon Linux ", kRelease = "release ";
    if (!starts_with_nocase(line, kAmazon)) return parse_redhat_style_release(text);
    auto version = trim(line.substr(kAmazon.size()));
    if (starts_with_nocase(version, kRelease)) version = trim(version.substr(kRelease.size()));
    if (version.empty()) return std::nullopt;
    return OsInfo{"amazon", std::string(version), "", std::string(line)};
}

struct LsbRelease {
    std::string id, release, codename, description;
};

constexpr std::pair<std::string_view, std::string LsbRelease::*> kLsbReleaseKeys[] = {
    {"DISTRIB_ID", &LsbRelease::id},
    {"DISTRIB_RELEASE", &LsbRelease::release},
    {"DISTRIB_CODENAME", &LsbRelease::codename},
    {"DISTRIB_DESCRIPTION", &LsbRelease::description},
};

std::optional<OsInfo> parse_lsb_release(std::string_view text) {
    const auto lsb = read_assignments(text, kLsbReleaseKeys);
    const auto family = family_for_id(lowercase(lsb.id), "");  // "Ubuntu" -> ubuntu
    if (family.empty() || lsb.release.empty()) return std::nullopt;
    return OsInfo{std::string(family), lsb.release, lsb.codename, lsb.description};
}

// First line names the product; "VERSION = 12" and "PATCHLEVEL = 3" follow (SLES 12 SP3 is
// "12.3", the form its os-release VERSION_ID uses).
constexpr std::pair<std::string_view, std::string_view> kSuseProducts[] = {
    {"openSUSE Tumbleweed", "opensuse-tumbleweed"},
    {"openSUSE", "opensuse-leap"},
    {"SUSE Linux Enterprise", "sles"},
};

struct SuseRelease {
    std::string version, patchlevel, codename;
};

constexpr std::pair<std::string_view, std::string SuseRelease::*> kSuseReleaseKeys[] = {
    {"VERSION", &SuseRelease::version},
    {"PATCHLEVEL", &SuseRelease::patchlevel},
    {"CODENAME", &SuseRelease::codename},
};

std::optional<OsInfo> parse_suse_release(std::string_view text) {
    const auto product = first_nonblank_line(text);
    const auto suse = read_assignments(text, kSuseReleaseKeys);
    if (suse.version.empty()) return std::nullopt;
    auto version = suse.version;
    if (!suse.patchlevel.empty() && suse.patchlevel != "0") version += "." + suse.patchlevel;
    for (const auto& [prefix, family] : kSuseProducts)
        if (starts_with_nocase(product, prefix))
            return OsInfo{std::string(family), version, suse.codename, std::string(product)};
    return std::nullopt;
}

struct ReleaseFile {
    std::string_view path;
    ReleaseFileParser parse;
    // Amazon's free-text version replaces VERSION_ID so an image reports one form whichever
    // files it has; other files only refine it (see refines()).
    bool replaces_os_release_version = false;
};

// Consulted in this order; without a usable os-release the first file that parses names the
// family. Oracle Linux also ships a redhat-release and Ubuntu a debian_version, so the more
// specific files come first.
constexpr ReleaseFile kReleaseFiles[] = {
    {"etc/alpine-release", parse_alpine_release},
    {"etc/oracle-release", parse_redhat_style_release},
    {"etc/rocky-release", parse_redhat_style_release},
    {"etc/almalinux-release", parse_redhat_style_release},
    {"etc/centos-release", parse_redhat_style_release},
    {"etc/fedora-release", parse_redhat_style_release},
    {"etc/redhat-release", parse_redhat_style_release},
    {"etc/system-release", parse_system_release, true},
    {"usr/lib/system-release", parse_system_release, true},
    {"etc/SuSE-release", parse_suse_release},
    {"etc/lsb-release", parse_lsb_release},
    {"etc/debian_version", parse_debian_version},
};

// True when `finer` is `coarse` with more components ("7" -> "7.6.1810", "12" -> "12.5").
bool refines(std::string_view coarse, std::string_view finer) {
    return finer.size() > coarse.size() && finer.substr(0, coarse.size()) == coarse &&
           finer[coarse.size()] == '.';
}

constexpr std::pair<std::string_view, std::string_view> kDebianCodenames[] = {
    {"6", "squeeze"},   {"7", "wheezy"},    {"8", "jessie"},  {"9", "stretch"}, {"10", "buster"},
    {"11", "bullseye"}, {"12", "bookworm"}, {"13", "trixie"}, {"14", "forky"},
};

// "12.5" -> bookworm; "buster/sid" (testing before release) -> buster.
std::string debian_codename(std::string_view version) {
    const auto slash = version.find('/');
    if (slash != std::string_view::npos) return std::string(version.substr(0, slash));
    const auto major = version.substr(0, version.find('.'));
    for (const auto& [number, codename] : kDebianCodenames)
        if (number == major) return std::string(codename);
    return {};
}

constexpr std::string_view kDpkgStatusDir = "var/lib/dpkg/status.d/";

bool is_in_dpkg_status_dir(std::string_view path) {
    return path.size() > kDpkgStatusDir.size() &&
           path.substr(0, kDpkgStatusDir.size()) == kDpkgStatusDir &&
           path.find('/', kDpkgStatusDir.size()) == std::string_view::npos;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
    return read_assignments(text, kOsReleaseKeys);
}

PathInterest OsDetector::interest() {
    PathInterest interest;
    for (auto path : kOsReleasePaths) interest.exact.emplace_back(path);
    for (const auto& file : kReleaseFiles) interest.exact.emplace_back(file.path);
    // Only probed for existence: Debian-based distroless keeps one stanza file per package.
    interest.globs.push_back(std::string(kDpkgStatusDir) + "*");
    // Release files are a few hundred bytes; anything large is not one.
    interest.max_bytes = 1 << 20;
    return interest;
}

std::optional<OsInfo> OsDetector::detect(const FileView& files) const {
    std::optional<OsInfo> os;

    OsRelease release;
    for (auto path : kOsReleasePaths) {
        if (auto file = files.read(path)) {
            release = parse_os_release(file->bytes);
            break;
        }
    }
    const auto release_family = family_for_id(release.id, release.name);
    // Without VERSION_ID an os-release names no version to match advisories against; an older
    // file may still (Debian testing: no VERSION_ID, debian_version "trixie/sid").
    if (!release_family.empty() && !release.version_id.empty())
        os = OsInfo{std::string(release_family), release.version_id, release.version_codename,
                    release.pretty_name};

    for (const auto& source : kReleaseFiles) {
        const auto file = files.read(source.path);
        if (!file) continue;
        auto claim = source.parse(file->bytes);
        if (!claim) continue;
        if (!os) {
            os = std::move(claim);
            continue;
        }
        if (claim->family != os->family) continue;
        if (source.replaces_os_release_version || refines(os->version, claim->version))
            os->version = claim->version;
        if (os->codename.empty()) os->codename = claim->codename;
        if (os->pretty_name.empty()) os->pretty_name = claim->pretty_name;
    }

    // Distroless without any release file names no OS (CLI.md: `os` is null); its packages are
    // still listed. With a release file it is that OS, marked distroless.
    if (!os) return std::nullopt;
    const bool dpkg_status_dir = !files.files_matching(is_in_dpkg_status_dir).empty();

    os->distroless = dpkg_status_dir;
    if (os->family == release_family) {
        if (os->codename.empty()) os->codename = release.version_codename;
        if (os->pretty_name.empty()) os->pretty_name = release.pretty_name;
    }
    if (os->codename.empty() && os->family == "debian") os->codename = debian_codename(os->version);
    return os;
}

}  // namespace moat
