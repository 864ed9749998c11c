// Repository downloads, hashing and index decompression (see repo_fetch.h).
#include "fix/apt/repo_fetch.h"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace moat::fix {
namespace {

struct Transfer {
    std::FILE* out = nullptr;
    std::uint64_t written = 0;
    std::uint64_t max_bytes = 0;
    bool too_big = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    std::size_t bytes = size * count;
    if (transfer->written + bytes > transfer->max_bytes) {
        transfer->too_big = true;
        return 0;
    }
    transfer->written += bytes;
    return std::fwrite(data, 1, bytes, transfer->out);
}

}  // namespace

Status download_file(const std::string& url, const std::filesystem::path& file, std::uint64_t max_bytes) {
    static const bool initialized = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
    if (!initialized) return Error{"libcurl failed to initialize"};
    std::filesystem::path partial = file;
    partial += ".part";
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(partial.c_str(), "wb"), std::fclose);
    if (!out) return Error{fmt::format("cannot write {}", partial.string())};
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Error{"libcurl failed to initialize"};
    Transfer transfer{out.get(), 0, max_bytes, false};
    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "moat-fix/1");
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    out.reset();
    std::error_code ignored;
    if (transfer.too_big) {
        std::filesystem::remove(partial, ignored);
        return Error{fmt::format("{}: larger than {} bytes", url, max_bytes)};
    }
    if (code != CURLE_OK) {
        std::filesystem::remove(partial, ignored);
        return Error{fmt::format("{}: {}", url, curl_easy_strerror(code))};
    }
    if (status < 200 || status >= 300) {
        std::filesystem::remove(partial, ignored);
        return Error{fmt::format("{}: HTTP {}", url, status)};
    }
    std::error_code error;
    std::filesystem::rename(partial, file, error);
    if (error) return Error{fmt::format("cannot write {}: {}", file.string(), error.message())};
    return Status::Ok();
}

Result<std::string> sha256_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{fmt::format("cannot read {}", file.string())};
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
        EVP_DigestUpdate(context.get(), buffer, static_cast<std::size_t>(in.gcount()));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context.get(), digest, &length);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

Result<std::string> decompress_file(const std::filesystem::path& file, std::uint64_t max_bytes) {
    std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
    archive_read_support_filter_xz(reader.get());
    archive_read_support_filter_gzip(reader.get());
    archive_read_support_format_raw(reader.get());
    if (archive_read_open_filename(reader.get(), file.c_str(), 65536) != ARCHIVE_OK)
        return Error{fmt::format("cannot open {}: {}", file.string(), archive_error_string(reader.get()))};
    archive_entry* entry = nullptr;
    if (archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK)
        return Error{fmt::format("cannot decompress {}: {}", file.string(), archive_error_string(reader.get()))};
    std::string text;
    char buffer[65536];
    for (;;) {
        la_ssize_t n = archive_read_data(reader.get(), buffer, sizeof buffer);
        if (n < 0) return Error{fmt::format("cannot decompress {}: {}", file.string(), archive_error_string(reader.get()))};
        if (n == 0) break;
        if (text.size() + static_cast<std::size_t>(n) > max_bytes)
            return Error{fmt::format("{} decompresses to more than {} bytes", file.string(), max_bytes)};
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace moat::fix
