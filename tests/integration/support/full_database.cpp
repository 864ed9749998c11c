#include "support/full_database.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>

#include "support/run_command.h"

namespace moat::testing {

namespace fs = std::filesystem;

fs::path full_database(StaleCaches stale) {
    struct stat binary {};
    if (::stat(MOAT_BINARY, &binary) != 0)
        throw std::runtime_error(std::string("no moat binary at ") + MOAT_BINARY);
    std::string prefix = "moat-itest-vulndb-" + std::to_string(::getuid()) + "-";
    fs::path dir = fs::temp_directory_path() / (prefix + std::to_string(binary.st_size) + "-" +
                                                std::to_string(binary.st_mtim.tv_sec));
    if (stale == StaleCaches::kRemove) {
        std::error_code ignored;
        for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ignored)) {
            if (entry.path() == dir || entry.path().filename().string().rfind(prefix, 0) != 0)
                continue;
            auto written = fs::last_write_time(entry.path() / "db", ignored);
            if (!ignored && fs::file_time_type::clock::now() - written > std::chrono::hours(6))
                fs::remove_all(entry.path(), ignored);
        }
    }
    fs::create_directories(dir);
    // moat refuses a second concurrent updater of one database: the test processes queue here.
    int lock = ::open((dir / "test.lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
        throw std::runtime_error("cannot lock " + dir.string());
    auto updated = run_command({MOAT_BINARY, "db", "update", "--source",
                                (fs::path(MOAT_SHARED_DIR) / "vulndb").string(), "--db",
                                (dir / "db").string()});
    ::close(lock);
    if (updated.exit_code != 0) throw std::runtime_error("moat db update failed: " + updated.err);
    return dir / "db";
}

}  // namespace moat::testing
