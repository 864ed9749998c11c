// apt sources parsing (see apt_sources.h).
#include "fix/apt/apt_sources.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace moat::fix {
namespace {

constexpr std::size_t kMaxSourcesFile = 1 << 20;

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
        if (i > start) words.emplace_back(text.substr(start, i - start));
    }
    return words;
}

std::string trim(std::string_view text) {
    auto start = text.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) return {};
    auto end = text.find_last_not_of(" \t\r");
    return std::string(text.substr(start, end - start + 1));
}

std::string strip_slash(std::string uri) {
    while (uri.size() > 1 && uri.back() == '/') uri.pop_back();
    return uri;
}

std::string read_capped(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    std::string text(kMaxSourcesFile, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

}  // namespace

std::vector<AptSource> parse_one_line_sources(std::string_view text) {
    std::vector<AptSource> sources;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        // Options in brackets ("[arch=amd64 signed-by=...]") are dropped: moat trusts only its
        // own keyring, and the architecture comes from the image.
        if (auto open = line.find('['); open != std::string::npos) {
            auto close = line.find(']', open);
            if (close == std::string::npos) continue;
            line.erase(open, close - open + 1);
        }
        auto words = split_words(line);
        if (words.empty()) continue;
        std::size_t at = 0;
        if (words[0] == "deb-src") continue;
        if (words[0] == "deb") at = 1;
        else if (words[0].find("://") == std::string::npos) continue;
        if (words.size() < at + 2) continue;
        AptSource source{strip_slash(words[at]), words[at + 1], {}};
        for (std::size_t i = at + 2; i < words.size(); ++i) source.components.push_back(words[i]);
        sources.push_back(std::move(source));
    }
    return sources;
}

std::vector<AptSource> parse_deb822_sources(std::string_view text) {
    std::vector<AptSource> sources;
    std::vector<std::pair<std::string, std::string>> fields;
    auto flush = [&] {
        std::vector<std::string> types, uris, suites, components;
        bool enabled = true;
        for (const auto& [key, value] : fields) {
            std::string lower = key;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (lower == "types") types = split_words(value);
            else if (lower == "uris") uris = split_words(value);
            else if (lower == "suites") suites = split_words(value);
            else if (lower == "components") components = split_words(value);
            else if (lower == "enabled") enabled = trim(value) != "no";
        }
        fields.clear();
        if (!enabled || std::find(types.begin(), types.end(), "deb") == types.end()) return;
        for (const auto& uri : uris)
            for (const auto& suite : suites) sources.push_back({strip_slash(uri), suite, components});
    };
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) {
            flush();
            continue;
        }
        if (line[0] == '#') continue;
        if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
            // Continuation: multi-line values (URIs, Signed-By key blocks).
            if (fields.back().first != "Signed-By") fields.back().second += " " + trim(line);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        fields.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
    }
    flush();
    return sources;
}

std::vector<AptSource> read_image_sources(const std::filesystem::path& rootfs) {
    namespace fs = std::filesystem;
    std::vector<AptSource> sources;
    auto append = [&](std::vector<AptSource> more) {
        sources.insert(sources.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    };
    std::error_code error;
    fs::path list = rootfs / "etc/apt/sources.list";
    if (fs::is_regular_file(list, error)) append(parse_one_line_sources(read_capped(list)));
    fs::path dir = rootfs / "etc/apt/sources.list.d";
    std::vector<fs::path> files;
    if (fs::is_directory(dir, error))
        for (const auto& entry : fs::directory_iterator(dir, error))
            if (entry.is_regular_file(error)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // apt reads them in name order
    for (const auto& file : files) {
        if (file.extension() == ".list") append(parse_one_line_sources(read_capped(file)));
        else if (file.extension() == ".sources") append(parse_deb822_sources(read_capped(file)));
    }
    return sources;
}

std::vector<AptSource> parse_repo_arguments(const std::vector<std::string>& repos) {
    std::vector<AptSource> sources;
    for (const auto& repo : repos) {
        auto more = repo.find("URIs:") != std::string::npos || repo.find("uris:") != std::string::npos
                        ? parse_deb822_sources(repo)
                        : parse_one_line_sources(repo);
        sources.insert(sources.end(), more.begin(), more.end());
    }
    return sources;
}

}  // namespace moat::fix
