// Crash safety of `moat serve`: SIGKILL in the middle of 20 uploads loses only those uploads.
// Every blob on disk afterwards is complete (its sha256 is its name), and an upload session
// whose first chunk was acknowledged is still there after the restart and can be finished.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "support/registry_process.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

std::string random_bytes(size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    uint32_t state = seed * 2654435761u + 1;
    for (auto& byte : bytes) {
        state = state * 1664525u + 1013904223u;
        byte = static_cast<char>(state >> 24);
    }
    return bytes;
}

TEST(RegistryCrash, KillDuringTwentyUploadsLeavesOnlyCompleteBlobsAndResumableSessions) {
    ScratchDir scratch;
    fs::path data = scratch / "data";
    constexpr size_t kChunk = 128 * 1024;
    std::vector<std::string> complete_digests;
    std::vector<std::string> sessions;        // Location of each session with one acknowledged chunk
    std::vector<std::string> session_content;  // the whole content each session was going to upload
    {
        RegistryProcess registry(data);
        ASSERT_FALSE(registry.address().empty()) << registry.log();
        const std::string& address = registry.address();
        for (unsigned i = 0; i < 5; ++i) {
            std::string blob = random_bytes(kChunk, i);
            complete_digests.push_back(sha256_of(blob));
            ASSERT_EQ(http_exchange(address, "POST", "/v2/team/app/blobs/uploads/?digest=" + complete_digests.back(),
                                    blob).status, 201);
        }
        for (unsigned i = 0; i < 10; ++i) {
            auto started = http_exchange(address, "POST", "/v2/team/app/blobs/uploads/");
            ASSERT_EQ(started.status, 202);
            std::string content = random_bytes(2 * kChunk, 100 + i);
            auto first = http_exchange(address, "PATCH", started.headers["location"], content.substr(0, kChunk),
                                       {"Content-Range: 0-" + std::to_string(kChunk - 1)});
            ASSERT_EQ(first.status, 202) << first.body;
            sessions.push_back(started.headers["location"]);
            session_content.push_back(content);
        }
        // 20 uploads in flight: the second chunk of each session and 10 monolithic pushes,
        // each with half of its body sent.
        std::vector<std::unique_ptr<HalfSentRequest>> in_flight;
        for (unsigned i = 0; i < 10; ++i) {
            in_flight.push_back(std::make_unique<HalfSentRequest>(
                address, "PATCH", sessions[i], kChunk, session_content[i].substr(kChunk, kChunk / 2),
                std::vector<std::string>{"Content-Range: " + std::to_string(kChunk) + "-" + std::to_string(2 * kChunk - 1)}));
            std::string blob = random_bytes(kChunk, 200 + i);
            in_flight.push_back(std::make_unique<HalfSentRequest>(
                address, "POST", "/v2/team/app/blobs/uploads/?digest=" + sha256_of(blob), kChunk,
                blob.substr(0, kChunk / 2)));
        }
        for (const auto& request : in_flight) ASSERT_TRUE(request->sent());
        // Let the server write what it received; the checks below hold whatever it managed.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        registry.kill_hard();
    }

    size_t blob_files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(data / "blobs")) {
        if (!entry.is_regular_file()) continue;
        ++blob_files;
        EXPECT_EQ(sha256_hex_of_file(entry.path()), entry.path().filename().string())
            << entry.path() << " is not the content its name promises";
    }
    EXPECT_EQ(blob_files, complete_digests.size()) << "only the completed uploads are blobs";

    RegistryProcess restarted(data);
    ASSERT_FALSE(restarted.address().empty()) << restarted.log();
    for (const auto& digest : complete_digests)
        EXPECT_EQ(http_exchange(restarted.address(), "HEAD", "/v2/team/app/blobs/" + digest).status, 200);
    for (size_t i = 0; i < sessions.size(); ++i) {
        auto status = http_exchange(restarted.address(), "GET", sessions[i]);
        EXPECT_EQ(status.status, 204) << sessions[i];
        EXPECT_EQ(status.headers["range"], "0-" + std::to_string(kChunk - 1)) << "the acknowledged chunk survived";
    }
    // Finish one session where it stood.
    std::string digest = sha256_of(session_content[0]);
    auto finished = http_exchange(restarted.address(), "PUT", sessions[0] + "?digest=" + digest,
                                  session_content[0].substr(kChunk),
                                  {"Content-Range: " + std::to_string(kChunk) + "-" + std::to_string(2 * kChunk - 1)});
    ASSERT_EQ(finished.status, 201) << finished.body;
    auto blob = http_exchange(restarted.address(), "GET", "/v2/team/app/blobs/" + digest);
    EXPECT_TRUE(blob.body == session_content[0]);
}

}  // namespace
}  // namespace moat::testing
