// Packages index parsing (see packages_index.h).
#include "fix/apt/packages_index.h"

#include <charconv>

#include <fmt/format.h>

#include "vulndb/version/dpkg_version.h"

namespace moat::fix {
namespace {

constexpr std::size_t kMaxStanzas = 500000;
constexpr std::size_t kMaxFieldValue = 64 * 1024;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t at = 0;
    while (at <= text.size()) {
        auto next = text.find(separator, at);
        if (next == std::string_view::npos) next = text.size();
        parts.push_back(text.substr(at, next - at));
        at = next + 1;
    }
    return parts;
}

bool parse_atom(std::string_view text, DepAtom& atom) {
    text = trim(text);
    // Build profiles "<!nocheck>" and arch restrictions "[amd64]" do not appear in binary
    // indexes' Depends; anything after them is ignored.
    auto paren = text.find('(');
    std::string_view name = trim(text.substr(0, paren));
    if (auto bracket = name.find_first_of("[<"); bracket != std::string_view::npos) name = trim(name.substr(0, bracket));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) return false;
    if (auto colon = name.find(':'); colon != std::string_view::npos) {
        atom.arch_qualifier = std::string(name.substr(colon + 1));
        name = name.substr(0, colon);
    }
    atom.name = std::string(name);
    if (paren != std::string_view::npos) {
        auto close = text.find(')', paren);
        if (close == std::string_view::npos) return false;
        std::string_view relation = trim(text.substr(paren + 1, close - paren - 1));
        std::size_t op_len = 0;
        while (op_len < relation.size() && (relation[op_len] == '<' || relation[op_len] == '>' || relation[op_len] == '='))
            ++op_len;
        std::string op(relation.substr(0, op_len));
        if (op == "<") op = "<=";  // obsolete spellings, as dpkg reads them
        if (op == ">") op = ">=";
        if (op != "<<" && op != "<=" && op != "=" && op != ">=" && op != ">>") return false;
        atom.op = op;
        atom.version = std::string(trim(relation.substr(op_len)));
        if (atom.version.empty()) return false;
    }
    return true;
}

std::uint64_t to_u64(std::string_view text) {
    std::uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

}  // namespace

std::vector<DepAlternatives> parse_dependency_field(std::string_view text) {
    std::vector<DepAlternatives> result;
    for (auto group : split(text, ',')) {
        if (trim(group).empty()) continue;
        DepAlternatives alternatives;
        for (auto alternative : split(group, '|')) {
            DepAtom atom;
            if (parse_atom(alternative, atom)) alternatives.push_back(std::move(atom));
        }
        if (!alternatives.empty()) result.push_back(std::move(alternatives));
    }
    return result;
}

Result<std::vector<PackageStanza>> parse_packages_index(std::string_view text) {
    std::vector<PackageStanza> stanzas;
    PackageStanza current;
    std::string last_field;
    auto flush = [&]() -> Status {
        if (!current.package.empty() && !current.version.empty() && !current.architecture.empty()) {
            if (stanzas.size() >= kMaxStanzas) return Error{"Packages index has too many stanzas"};
            stanzas.push_back(std::move(current));
        }
        current = PackageStanza{};
        last_field.clear();
        return Status::Ok();
    };
    std::size_t at = 0;
    while (at < text.size()) {
        auto nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(at, nl - at);
        at = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (trim(line).empty()) {
            if (auto status = flush(); !status) return Error{status.message()};
            continue;
        }
        if (line.front() == ' ' || line.front() == '\t') continue;  // continuation (Description)
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view field = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (value.size() > kMaxFieldValue) continue;
        if (field == "Package") current.package = value;
        else if (field == "Version") current.version = value;
        else if (field == "Architecture") current.architecture = value;
        else if (field == "Filename") current.filename = value;
        else if (field == "Size") current.size = to_u64(value);
        else if (field == "SHA256") current.sha256 = value;
        else if (field == "Multi-Arch") current.multi_arch = value;
        else if (field == "Source") current.source = trim(value.substr(0, value.find('(')));
        else if (field == "Depends" || field == "Pre-Depends") {
            auto more = parse_dependency_field(value);
            current.depends.insert(current.depends.end(), more.begin(), more.end());
        } else if (field == "Provides") {
            for (auto& group : parse_dependency_field(value))
                for (auto& atom : group) current.provides.push_back(std::move(atom));
        }
    }
    if (auto status = flush(); !status) return Error{status.message()};
    return stanzas;
}

bool version_satisfies(std::string_view version, std::string_view op, std::string_view constraint) {
    if (op.empty()) return true;
    int c = dpkg_version_compare(version, constraint);
    if (op == "<<") return c < 0;
    if (op == "<=") return c <= 0;
    if (op == "=") return c == 0;
    if (op == ">=") return c >= 0;
    if (op == ">>") return c > 0;
    return false;
}

}  // namespace moat::fix
