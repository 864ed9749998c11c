#include "vulndb/updater.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "vulndb/cve_severity.h"
#include "vulndb/store.h"

namespace moat {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool is_url(std::string_view text) { return text.starts_with("http://") || text.starts_with("https://"); }

std::string with_trailing_slash(std::string text) {
    if (!text.empty() && text.back() != '/') text.push_back('/');
    return text;
}

// Percent-encodes one path segment of a URL ("GitHub Actions" → "GitHub%20Actions").
std::string url_segment(std::string_view segment) {
    std::string out;
    for (char ch : segment) {
        auto byte = static_cast<unsigned char>(ch);
        if (std::isalnum(byte) || std::string_view("-._~:@!$&'()*+,;=").find(ch) != std::string_view::npos)
            out.push_back(ch);
        else
            out += fmt::format("%{:02X}", byte);
    }
    return out;
}

// A folder name read from untrusted text: one path component, printable.
bool is_safe_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(), [](char ch) {
        return ch == '/' || ch == '\\' || static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    });
}

std::string http_date(std::time_t when) {
    std::tm parts{};
    ::gmtime_r(&when, &parts);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return text;
}

std::string human_bytes(uint64_t bytes) {
    if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
    if (bytes >= (1ull << 10)) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / (1 << 10));
    return fmt::format("{} B", bytes);
}

// --- progress -------------------------------------------------------------------------------

// One line on stderr, redrawn in place; only on a terminal.
class ProgressLine {
public:
    explicit ProgressLine(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}
    ~ProgressLine() { clear(); }

    void show(const std::string& text, bool force = false) {
        if (!enabled_) return;
        auto now = Clock::now();
        if (!force && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        std::fprintf(stderr, "\r%s\033[K", text.c_str());
        std::fflush(stderr);
        shown_ = true;
    }
    void clear() {
        if (!enabled_ || !shown_) return;
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        shown_ = false;
    }
    bool enabled() const { return enabled_; }

    static std::string bar(std::string_view label, uint64_t done, uint64_t total) {
        if (total == 0) return fmt::format("{} {}", label, human_bytes(done));
        int percent = static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
        int filled = percent / 5;
        return fmt::format("[{}{}] {:3}% {} {}/{}", std::string(static_cast<size_t>(filled), '#'),
                           std::string(static_cast<size_t>(20 - filled), '.'), percent, label,
                           human_bytes(done), human_bytes(total));
    }

private:
    bool enabled_;
    bool shown_ = false;
    Clock::time_point last_{};
};

// --- fetching -------------------------------------------------------------------------------

struct Fetched {
    bool changed = true;
    fs::path path;  // the file to read (a download, or the source directory's own file)
    std::string etag, last_modified;
    uint64_t bytes = 0;  // downloaded
};

// The previous state of a source, when the next request may be conditional on it.
const DbSource* previous_state(const std::vector<DbSource>& previous, std::string_view name,
                               std::string_view location) {
    for (const auto& state : previous)
        if (state.name == name && state.location == location) return &state;
    return nullptr;
}

class SourceReader {
public:
    virtual ~SourceReader() = default;
    // Where `relative` lives (a URL or a path), for messages and the stored state.
    virtual std::string location(std::string_view relative) const = 0;
    // A small text file; nullopt when it does not exist.
    virtual Result<std::optional<std::string>> read_text(std::string_view relative) = 0;
    // A data file, unless unchanged since `previous`. A download goes to `download_to`.
    virtual Result<Fetched> fetch(std::string_view relative, const DbSource* previous,
                                  const fs::path& download_to, std::string_view label) = 0;
    // The ecosystem folders when there is no ecosystems.txt (directories only).
    virtual std::vector<std::string> list_folders_with(std::string_view) { return {}; }
};

class DirectoryReader final : public SourceReader {
public:
    explicit DirectoryReader(fs::path root) : root_(std::move(root)) {}

    std::string location(std::string_view relative) const override {
        return (root_ / std::string(relative)).string();
    }

    Result<std::optional<std::string>> read_text(std::string_view relative) override {
        fs::path path = root_ / std::string(relative);
        std::error_code error;
        if (!fs::is_regular_file(path, error)) return std::optional<std::string>{};
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in && !in.eof()) return Error{fmt::format("{}: cannot read", path.string())};
        return std::optional<std::string>(text.str());
    }

    Result<Fetched> fetch(std::string_view relative, const DbSource* previous, const fs::path&,
                          std::string_view) override {
        fs::path path = root_ / std::string(relative);
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
            return Error{fmt::format("{}: no such file", path.string())};
        Fetched fetched;
        fetched.path = path;
        // A directory's "validator": size and modification time, as a web server would send.
        fetched.etag = fmt::format("{}-{}.{:09}", info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
        fetched.last_modified = http_date(info.st_mtim.tv_sec);
        fetched.changed = !(previous && previous->etag == fetched.etag);
        return fetched;
    }

    std::vector<std::string> list_folders_with(std::string_view file) override {
        std::vector<std::string> names;
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(root_, error)) {
            std::string name = entry.path().filename().string();
            if (is_safe_name(name) && fs::is_regular_file(entry.path() / std::string(file), error))
                names.push_back(name);
        }
        std::sort(names.begin(), names.end());
        return names;
    }

private:
    fs::path root_;
};

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
};

class HttpReader final : public SourceReader {
public:
    HttpReader(std::string base, const UpdateOptions& options, ProgressLine& progress)
        : base_(with_trailing_slash(std::move(base))), options_(options), progress_(progress) {
        static CurlGlobal global;
    }

    std::string location(std::string_view relative) const override {
        std::string url = base_;
        size_t start = 0;
        while (start <= relative.size()) {
            size_t slash = relative.find('/', start);
            std::string_view segment = relative.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
            url += url_segment(segment);
            if (slash == std::string_view::npos) break;
            url.push_back('/');
            start = slash + 1;
        }
        return url;
    }

    Result<std::optional<std::string>> read_text(std::string_view relative) override {
        return get_text(location(relative));
    }

    // A text document at an absolute URL (1 MiB at most); nullopt on 404/410.
    Result<std::optional<std::string>> get_text(const std::string& url) {
        Transfer transfer;
        transfer.memory = std::string();
        transfer.limit = 1 << 20;
        auto response = perform_with_retries(url, {}, transfer, "");
        if (!response) return response.error();
        if (*response == 404 || *response == 410) return std::optional<std::string>{};
        if (*response != 200) return Error{fmt::format("{}: HTTP {}", url, *response)};
        return std::optional<std::string>(std::move(*transfer.memory));
    }

    Result<Fetched> fetch(std::string_view relative, const DbSource* previous,
                          const fs::path& download_to, std::string_view label) override {
        return fetch_url(location(relative), previous, download_to, label);
    }

    Result<Fetched> fetch_url(const std::string& url, const DbSource* previous,
                              const fs::path& download_to, std::string_view label) {
        std::vector<std::string> headers;
        if (previous && !previous->etag.empty()) headers.push_back("If-None-Match: " + previous->etag);
        if (previous && !previous->last_modified.empty())
            headers.push_back("If-Modified-Since: " + previous->last_modified);
        Transfer transfer;
        transfer.path = download_to;
        transfer.limit = 8ull << 30;
        auto response = perform_with_retries(url, headers, transfer, label);
        if (!response) return response.error();
        Fetched fetched;
        if (*response == 304 && previous) {
            fetched.changed = false;
            fetched.etag = transfer.etag.empty() ? previous->etag : transfer.etag;
            fetched.last_modified = transfer.last_modified.empty() ? previous->last_modified : transfer.last_modified;
            return fetched;
        }
        if (*response != 200) {
            std::error_code ignored;
            fs::remove(download_to, ignored);
            return Error{fmt::format("{}: HTTP {}{}", url, *response,
                                     *response == 404 ? " (not found)" : "")};
        }
        fetched.path = download_to;
        fetched.etag = transfer.etag;
        fetched.last_modified = transfer.last_modified;
        fetched.bytes = transfer.received;
        return fetched;
    }

private:
    struct Transfer {
        std::optional<std::string> memory;  // the body in memory, or else
        fs::path path;                      // the body in this file
        std::FILE* file = nullptr;
        uint64_t limit = 0;
        uint64_t received = 0;
        bool over_limit = false;
        std::string etag, last_modified;
        ProgressLine* progress = nullptr;
        std::string label;
    };

    static size_t on_body(char* data, size_t size, size_t count, void* user) {
        auto* transfer = static_cast<Transfer*>(user);
        size_t bytes = size * count;
        if (transfer->received + bytes > transfer->limit) {
            transfer->over_limit = true;
            return 0;  // aborts the transfer
        }
        transfer->received += bytes;
        if (transfer->memory) {
            transfer->memory->append(data, bytes);
            return bytes;
        }
        return std::fwrite(data, 1, bytes, transfer->file);
    }

    static size_t on_header(char* data, size_t size, size_t count, void* user) {
        auto* transfer = static_cast<Transfer*>(user);
        std::string_view line(data, size * count);
        if (line.starts_with("HTTP/")) {  // a new response (after a redirect): start over
            transfer->etag.clear();
            transfer->last_modified.clear();
            return size * count;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return size * count;
        std::string name(line.substr(0, colon));
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
            value.remove_suffix(1);
        if (name == "etag") transfer->etag.assign(value.substr(0, 512));
        if (name == "last-modified") transfer->last_modified.assign(value.substr(0, 128));
        return size * count;
    }

    static int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
        auto* transfer = static_cast<Transfer*>(user);
        if (transfer->progress && !transfer->label.empty())
            transfer->progress->show(ProgressLine::bar(transfer->label, static_cast<uint64_t>(now),
                                                       static_cast<uint64_t>(total)));
        return 0;
    }

    // The HTTP status of a completed request, after up to options.retries retries of
    // transient failures. An error: the request could not complete.
    Result<long> perform_with_retries(const std::string& url, const std::vector<std::string>& headers,
                                      Transfer& transfer, std::string_view label) {
        transfer.progress = &progress_;
        transfer.label = label;
        std::string last_error;
        for (int attempt = 0; attempt <= options_.retries; ++attempt) {
            if (attempt > 0) {
                double wait = options_.retry_backoff_seconds * static_cast<double>(1 << (attempt - 1));
                std::this_thread::sleep_for(std::chrono::duration<double>(wait));
            }
            transfer.received = 0;
            transfer.over_limit = false;
            transfer.etag.clear();
            transfer.last_modified.clear();
            if (transfer.memory) transfer.memory->clear();
            if (!transfer.memory) {
                transfer.file = std::fopen(transfer.path.c_str(), "wb");
                if (!transfer.file)
                    return Error{fmt::format("{}: cannot write {}", url, transfer.path.string())};
            }
            long status = 0;
            CURLcode code = perform(url, headers, transfer, status);
            if (transfer.file) {
                bool write_failed = std::fclose(transfer.file) != 0;
                transfer.file = nullptr;
                if (write_failed && code == CURLE_OK)
                    return Error{fmt::format("{}: cannot write {}", url, transfer.path.string())};
            }
            if (transfer.over_limit)
                return Error{fmt::format("{}: larger than {}", url, human_bytes(transfer.limit))};
            if (code == CURLE_WRITE_ERROR)
                return Error{fmt::format("{}: cannot write {}", url, transfer.path.string())};
            if (code == CURLE_OK) {
                bool transient = status == 408 || status == 429 || (status >= 500 && status <= 599);
                if (!transient) return status;
                last_error = fmt::format("HTTP {}", status);
            } else {
                last_error = curl_easy_strerror(code);
                bool transient = code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT ||
                                 code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_RECV_ERROR ||
                                 code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
                                 code == CURLE_PARTIAL_FILE || code == CURLE_SSL_CONNECT_ERROR ||
                                 code == CURLE_HTTP2 || code == CURLE_HTTP2_STREAM;
                if (!transient) return Error{fmt::format("{}: {}", url, last_error)};
            }
        }
        return Error{fmt::format("{}: {} (after {} attempts)", url, last_error, options_.retries + 1)};
    }

    CURLcode perform(const std::string& url, const std::vector<std::string>& headers,
                     Transfer& transfer, long& status) {
        std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
        if (!curl) return CURLE_FAILED_INIT;
        curl_slist* list = nullptr;
        for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
        std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(list, curl_slist_free_all);
        CURL* handle = curl.get();
        curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
        curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(handle, CURLOPT_USERAGENT, "moat-db-update/1");
        curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, options_.stall_timeout_seconds);
        curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
        curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &HttpReader::on_body);
        curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &HttpReader::on_header);
        curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &HttpReader::on_progress);
        curl_easy_setopt(handle, CURLOPT_XFERINFODATA, &transfer);
        curl_easy_setopt(handle, CURLOPT_NOPROGRESS, progress_.enabled() ? 0L : 1L);
        CURLcode code = curl_easy_perform(handle);
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        return code;
    }

    std::string base_;
    const UpdateOptions& options_;
    ProgressLine& progress_;
};

// --- the severity source --------------------------------------------------------------------

struct SeverityFile {
    std::string name;      // "severity/<file>"
    std::string location;  // URL or path
};

std::vector<std::string> zip_links_in_listing(std::string_view html) {
    // A web server's folder listing (python http.server, nginx autoindex): href="name.zip".
    std::vector<std::string> names;
    size_t at = 0;
    while ((at = html.find("href=\"", at)) != std::string_view::npos) {
        at += 6;
        size_t end = html.find('"', at);
        if (end == std::string_view::npos) break;
        std::string_view link = html.substr(at, end - at);
        if (link.ends_with(".zip") && is_safe_name(link)) names.emplace_back(link);
        at = end;
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (!line.empty() && line.front() != '#') lines.emplace_back(line);
        start = end + 1;
    }
    return lines;
}

std::string file_name_of(std::string_view location) {
    size_t slash = location.rfind('/');
    return std::string(slash == std::string_view::npos ? location : location.substr(slash + 1));
}

// Resolves the severity option to the files it names. `explicit_source`: the user named it,
// so a missing source is an error rather than a note.
Result<std::vector<SeverityFile>> severity_files(const std::string& spec, bool explicit_source,
                                                 const UpdateOptions& options, ProgressLine& progress,
                                                 std::vector<std::string>& notes) {
    std::vector<SeverityFile> files;
    auto missing = [&](const std::string& what) -> Result<std::vector<SeverityFile>> {
        if (explicit_source) return Error{fmt::format("severity source {}: {}", spec, what)};
        notes.push_back(fmt::format("no CVE severity data at {} ({}); advisories without a severity "
                                    "of their own stay UNKNOWN",
                                    spec, what));
        return files;
    };
    if (is_url(spec)) {
        HttpReader reader(spec, options, progress);
        if (spec.ends_with(".zip")) {
            files.push_back(SeverityFile{"severity/" + file_name_of(spec), spec});
            return files;
        }
        std::string base = with_trailing_slash(spec);
        auto index = reader.get_text(base + "index.txt");
        if (!index) return Error{fmt::format("severity source {}: {}", spec, index.error().message)};
        std::vector<std::string> names;
        if (*index) {
            for (auto& line : lines_of(**index))
                if (is_safe_name(line) && line.ends_with(".zip")) names.push_back(line);
        } else {
            auto listing = reader.get_text(base);
            if (!listing) return Error{fmt::format("severity source {}: {}", spec, listing.error().message)};
            if (!*listing) return missing("not found");
            names = zip_links_in_listing(**listing);
        }
        if (names.empty()) return missing("no zip files listed");
        for (const auto& name : names) files.push_back(SeverityFile{"severity/" + name, base + url_segment(name)});
        return files;
    }
    std::error_code error;
    fs::path path = fs::absolute(spec).lexically_normal();
    if (fs::is_regular_file(path, error)) {
        files.push_back(SeverityFile{"severity/" + path.filename().string(), path.string()});
        return files;
    }
    if (!fs::is_directory(path, error)) return missing("no such file or directory");
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path, error))
        if (entry.path().extension() == ".zip" && fs::is_regular_file(entry.path(), error))
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    if (names.empty()) return missing("no zip files in it");
    for (const auto& name : names) files.push_back(SeverityFile{"severity/" + name, (path / name).string()});
    return files;
}

// --- locking and temporary files ------------------------------------------------------------

class UpdateLock {
public:
    ~UpdateLock() {
        if (fd_ >= 0) ::close(fd_);
    }
    Status acquire(const fs::path& lock_path) {
        fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) return Error{fmt::format("{}: cannot create the lock file", lock_path.string())};
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
            return Error{fmt::format("{}: another `moat db update` is running on this database",
                                     lock_path.string())};
        return Status::Ok();
    }

private:
    int fd_ = -1;
};

void remove_leftovers(const fs::path& db_path) {
    std::error_code error;
    std::string stem = db_path.filename().string();
    for (const auto& entry : fs::directory_iterator(db_path.parent_path(), error)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(stem + ".tmp-") || name.starts_with(stem + ".download-"))
            fs::remove_all(entry.path(), error);
    }
}

Status fsync_path(const fs::path& path, bool directory) {
    int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return Error{fmt::format("{}: cannot open to sync", path.string())};
    int status = ::fsync(fd);
    ::close(fd);
    if (status != 0) return Error{fmt::format("{}: fsync failed", path.string())};
    return Status::Ok();
}

// Removes the temporary files of this run however it ends.
struct ScratchFiles {
    fs::path new_db, downloads;
    bool keep_db = false;
    ~ScratchFiles() {
        std::error_code error;
        if (!keep_db && !new_db.empty()) fs::remove(new_db, error);
        if (!downloads.empty()) fs::remove_all(downloads, error);
    }
};

// --- the update -----------------------------------------------------------------------------

struct PlannedSource {
    std::string name, kind, location, relative;  // relative: within the OSV source (osv only)
    const DbSource* previous = nullptr;
    Fetched fetched;
    std::unique_ptr<HttpReader> own_reader;  // severity files at their own URL
};

std::string failure_suffix(const fs::path& db_path, bool had_previous) {
    return had_previous ? fmt::format("; the database at {} was left as it was", db_path.string())
                        : fmt::format("; no database was written at {}", db_path.string());
}

}  // namespace

Result<UpdateStats> update_database(const UpdateOptions& options) {
    const auto started = Clock::now();
    UpdateStats stats;
    fs::path db_path = options.db_path.empty() ? default_db_path() : options.db_path;
    db_path = fs::absolute(db_path);
    stats.db_path = db_path;
    std::error_code error;
    fs::create_directories(db_path.parent_path(), error);
    if (error)
        return Error{fmt::format("{}: cannot create the directory: {}", db_path.parent_path().string(),
                                 error.message())};

    UpdateLock lock;
    if (Status locked = lock.acquire(fs::path(db_path.string() + ".lock")); !locked) return locked.error();
    remove_leftovers(db_path);

    // What the previous database knows about each source, when it is one we can build on.
    std::vector<DbSource> previous;
    bool have_previous = false;
    if (fs::exists(db_path, error)) {
        if (auto old = VulnDatabase::open(db_path)) {
            previous = (*old)->status().source_details;
            have_previous = true;
        } else {
            stats.notes.push_back(fmt::format("the existing database is not usable ({}); "
                                              "building a new one from scratch",
                                              old.error().message));
        }
    }
    const std::string failed_suffix = failure_suffix(db_path, fs::exists(db_path, error));

    ProgressLine progress(options.progress);
    const std::string source = options.source.empty() ? kDefaultOsvSource : options.source;
    std::unique_ptr<SourceReader> reader;
    HttpReader* http_reader = nullptr;
    if (is_url(source)) {
        auto http = std::make_unique<HttpReader>(source, options, progress);
        http_reader = http.get();
        reader = std::move(http);
    } else {
        std::error_code ignored;
        if (!fs::is_directory(source, ignored))
            return Error{fmt::format("source {}: not a directory or an http(s) URL", source)};
        // Absolute, so that the stored location names the same files from any directory.
        reader = std::make_unique<DirectoryReader>(fs::absolute(source).lexically_normal());
    }

    // The ecosystems: ecosystems.txt, else (a directory) the folders holding an all.zip.
    std::vector<std::string> ecosystems;
    {
        auto listed = reader->read_text("ecosystems.txt");
        if (!listed) return Error{fmt::format("source {}: {}{}", source, listed.error().message, failed_suffix)};
        if (*listed) {
            std::vector<std::string> names = lines_of(**listed);
            std::set<std::string> bare(names.begin(), names.end());
            for (const auto& name : names) {
                if (!is_safe_name(name)) {
                    stats.notes.push_back(fmt::format("ecosystems.txt: skipped the unusable name \"{}\"", name.substr(0, 60)));
                    continue;
                }
                // The real export also has per-release folders ("Debian:12"); the bare folder
                // holds all of their records already.
                size_t colon = name.find(':');
                if (colon != std::string::npos && bare.count(name.substr(0, colon))) continue;
                if (std::find(ecosystems.begin(), ecosystems.end(), name) == ecosystems.end())
                    ecosystems.push_back(name);
            }
        } else {
            ecosystems = reader->list_folders_with("all.zip");
        }
        if (ecosystems.empty())
            return Error{fmt::format("source {}: lists no ecosystems (no ecosystems.txt and no "
                                     "<Ecosystem>/all.zip){}",
                                     source, failed_suffix)};
    }

    ScratchFiles scratch;
    scratch.downloads = fs::path(db_path.string() + ".download-" + std::to_string(::getpid()));
    if (http_reader || is_url(options.severity_source)) {
        fs::create_directories(scratch.downloads, error);
        if (error)
            return Error{fmt::format("{}: cannot create: {}", scratch.downloads.string(), error.message())};
    }

    // Fetch (or check) every input first: nothing is built when any of them fails.
    std::vector<PlannedSource> planned;
    for (const auto& name : ecosystems) {
        PlannedSource plan;
        plan.name = name;
        plan.kind = "osv";
        plan.relative = name + "/all.zip";
        plan.location = reader->location(plan.relative);
        if (have_previous) plan.previous = previous_state(previous, name, plan.location);
        auto fetched = reader->fetch(plan.relative, plan.previous, scratch.downloads / (std::to_string(planned.size()) + ".zip"),
                                     name + "/all.zip");
        if (!fetched)
            return Error{fmt::format("ecosystem {}: {}{}", name, fetched.error().message, failed_suffix)};
        plan.fetched = std::move(*fetched);
        planned.push_back(std::move(plan));
    }
    {
        bool explicit_severity = !options.severity_source.empty();
        std::string spec = explicit_severity ? options.severity_source
                           : is_url(source)  ? with_trailing_slash(source) + "severity/"
                                             : (fs::absolute(source).lexically_normal() / "severity").string();
        auto files = severity_files(spec, explicit_severity, options, progress, stats.notes);
        if (!files) return Error{files.error().message + failed_suffix};
        for (const auto& file : *files) {
            PlannedSource plan;
            plan.name = file.name;
            plan.kind = "cve";
            plan.location = file.location;
            if (have_previous) plan.previous = previous_state(previous, plan.name, plan.location);
            Result<Fetched> fetched = Error{""};
            if (is_url(file.location)) {
                plan.own_reader = std::make_unique<HttpReader>(file.location, options, progress);
                fetched = plan.own_reader->fetch_url(file.location, plan.previous,
                                                     scratch.downloads / (std::to_string(planned.size()) + ".zip"),
                                                     file.name);
            } else {
                DirectoryReader directory(fs::path(file.location).parent_path());
                fetched = directory.fetch(fs::path(file.location).filename().string(), plan.previous, {}, file.name);
            }
            if (!fetched)
                return Error{fmt::format("{}: {}{}", file.name, fetched.error().message, failed_suffix)};
            plan.fetched = std::move(*fetched);
            planned.push_back(std::move(plan));
        }
    }
    progress.clear();

    const std::string now = utc_now_rfc3339();
    bool all_unchanged = have_previous && planned.size() == previous.size() &&
                         std::all_of(planned.begin(), planned.end(),
                                     [](const PlannedSource& plan) { return !plan.fetched.changed; });
    if (all_unchanged) {
        if (Status touched = touch_database(db_path, now); !touched) return touched.error();
        stats.unchanged = true;
        for (const auto& plan : planned) {
            SourceStats source_stats;
            source_stats.name = plan.name;
            source_stats.kind = plan.kind;
            source_stats.location = plan.location;
            source_stats.changed = false;
            source_stats.records = plan.previous->records;
            stats.sources.push_back(std::move(source_stats));
        }
        if (auto db = VulnDatabase::open(db_path)) stats.advisories = (*db)->status().advisories;
        stats.db_bytes = fs::file_size(db_path, error);
        stats.seconds = seconds_since(started);
        return stats;
    }

    // Build the new file beside the target.
    scratch.new_db = fs::path(db_path.string() + ".tmp-" + std::to_string(::getpid()));
    bool carries = std::any_of(planned.begin(), planned.end(),
                               [](const PlannedSource& plan) { return !plan.fetched.changed; });
    auto writer = VulnDbWriter::create(scratch.new_db, carries ? db_path : fs::path());
    if (!writer) return Error{writer.error().message + failed_suffix};

    OsvRecordParser parser;
    for (auto& plan : planned) {
        const auto source_started = Clock::now();
        SourceStats source_stats;
        source_stats.name = plan.name;
        source_stats.kind = plan.kind;
        source_stats.location = plan.location;
        source_stats.changed = plan.fetched.changed;
        source_stats.bytes = plan.fetched.bytes;
        DbSource state;
        state.name = plan.name;
        state.kind = plan.kind;
        state.location = plan.location;
        state.etag = plan.fetched.etag;
        state.last_modified = plan.fetched.last_modified;
        state.fetched_at = now;
        const std::string what = plan.kind == "osv" ? fmt::format("ecosystem {} ({})", plan.name, plan.location)
                                                    : fmt::format("{} ({})", plan.name, plan.location);
        if (!plan.fetched.changed) {
            auto copied = (*writer)->carry_over(*plan.previous);
            if (!copied) return Error{fmt::format("{}: {}{}", what, copied.error().message, failed_suffix)};
            source_stats.records = plan.previous->records;
            state.records = plan.previous->records;
            state.skipped = plan.previous->skipped;
            state.unknown_fields = plan.previous->unknown_fields;
        } else if (plan.kind == "osv") {
            OsvImportCounts& counts = source_stats.counts;
            uint64_t seen = 0;
            Status walked = for_each_zip_entry(
                plan.fetched.path,
                [&](std::string_view entry, std::string_view body) -> Status {
                    if (!entry.ends_with(".json") || entry.find('/') != std::string_view::npos) {
                        ++counts.skipped_records;  // not an advisory of the export's layout
                        return Status::Ok();
                    }
                    auto parsed = parser.parse(body, counts);
                    if (!parsed) return Error{fmt::format("entry {}: {}", entry, parsed.error().message)};
                    if (!*parsed) return Status::Ok();
                    auto added = (*writer)->add_record(**parsed, plan.name);
                    if (!added) return Error{fmt::format("writing the database: {}", added.error().message)};
                    if (!*added) ++source_stats.duplicates;
                    if ((++seen & 1023) == 0)
                        progress.show(fmt::format("importing {}: {} records", plan.name, seen));
                    return Status::Ok();
                },
                ZipLimits{}, plan.relative);
            if (!walked) {
                progress.clear();
                return Error{fmt::format("{}: {}{}", what, walked.message(), failed_suffix)};
            }
            source_stats.records = counts.records;
            state.records = counts.records;
            state.skipped = counts.skipped_records;
            state.unknown_fields = counts.unknown_fields + counts.invalid_fields + counts.unknown_ecosystems;
            if (plan.previous && plan.previous->records > 100 && counts.records < plan.previous->records / 2)
                stats.notes.push_back(fmt::format("ecosystem {}: {} records, down from {} at the last update",
                                                  plan.name, counts.records, plan.previous->records));
            stats.counts.add(counts);
        } else {
            std::vector<CveSeverity> ratings;
            CveSeverityCounts counts;
            progress.show(fmt::format("reading {}", plan.name), true);
            Status read = read_cve_severity_zip(plan.fetched.path, ratings, counts);
            if (!read) {
                progress.clear();
                std::string message = read.message();
                // Name the source, not the download's temporary path.
                if (size_t at = message.find(plan.fetched.path.string()); at != std::string::npos)
                    message.replace(at, plan.fetched.path.string().size(), plan.name);
                return Error{fmt::format("{}: {}{}", what, message, failed_suffix)};
            }
            for (const auto& rating : ratings)
                if (Status added = (*writer)->add_cve_severity(rating, plan.name); !added)
                    return Error{fmt::format("{}: writing the database: {}{}", what, added.message(), failed_suffix)};
            source_stats.records = counts.records;
            state.records = counts.records;
            state.skipped = counts.skipped;
        }
        if (Status stored = (*writer)->set_source(state); !stored)
            return Error{fmt::format("{}: writing the database: {}{}", what, stored.message(), failed_suffix)};
        source_stats.seconds = seconds_since(source_started);
        stats.sources.push_back(std::move(source_stats));
        // A download is not needed once imported.
        if (plan.fetched.changed && plan.fetched.path.parent_path() == scratch.downloads)
            fs::remove(plan.fetched.path, error);
    }
    progress.show("finishing the database", true);
    auto rated = (*writer)->apply_cve_severity();
    if (!rated) return Error{rated.error().message + failed_suffix};
    stats.cve_rated = *rated;
    stats.advisories = (*writer)->advisory_count();
    if (Status finished = (*writer)->finish(now); !finished) return Error{finished.message() + failed_suffix};
    writer->reset();
    progress.clear();

    // Durable before visible: the file's data, then the rename, then the directory entry.
    if (Status synced = fsync_path(scratch.new_db, false); !synced) return Error{synced.message() + failed_suffix};
    if (::rename(scratch.new_db.c_str(), db_path.c_str()) != 0)
        return Error{fmt::format("{}: cannot move the new database into place: {}{}", db_path.string(),
                                 std::strerror(errno), failed_suffix)};
    scratch.keep_db = true;
    (void)fsync_path(db_path.parent_path(), true);

    for (const auto& source_stats : stats.sources)
        if (source_stats.kind == "cve") stats.cve_records += source_stats.records;
    stats.db_bytes = fs::file_size(db_path, error);
    stats.seconds = seconds_since(started);
    return stats;
}

}  // namespace moat
