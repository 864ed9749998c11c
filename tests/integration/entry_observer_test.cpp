// The walker shows every entry of every layer to an EntryObserver in its one pass: what the
// secret, malware and baseline scanners rely on. A recording observer checks what it is shown,
// for a two-layer OCI image and for a dir: rootfs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <string>
#include <vector>

#include "image/entry_observer.h"
#include "image/image.h"
#include "scanner/inventory_scanner.h"
#include "support/test_images.h"

namespace moat::testing {
namespace {

// Records what it sees; asks for the bodies of files under "app/".
class RecordingObserver : public EntryObserver {
public:
    void begin_layer(size_t index, std::string_view digest) override {
        layer_ = index;
        digests.emplace_back(digest);
    }
    bool on_entry(const ObservedEntry& entry) override {
        std::string key = std::to_string(layer_) + ":" + std::string(entry.path);
        modes[key] = entry.mode;
        kinds[key] = entry.kind;
        if (!std::string_view(entry.path).starts_with("app/")) return false;
        current_ = key;
        bodies[current_].clear();
        return true;
    }
    void on_body_chunk(std::string_view bytes) override { bodies[current_] += bytes; }
    void on_body_end() override { ended.push_back(current_); }
    void on_deletion(std::string_view path, bool everything_below) override {
        deletions.push_back(std::to_string(layer_) + ":" + std::string(path) + (everything_below ? "/*" : ""));
    }

    std::vector<std::string> digests, ended, deletions;
    std::map<std::string, uint32_t> modes;
    std::map<std::string, EntryKind> kinds;
    std::map<std::string, std::string> bodies;

private:
    size_t layer_ = 0;
    std::string current_;
};

Result<ImageInventory> scan_with(const std::string& ref, RecordingObserver& observer) {
    auto source = open_image(ref, OpenOptions{});
    if (!source) return source.error();
    InventoryScanner scanner(default_package_analyzers());
    scanner.observe(&observer);
    return scanner.scan(**source);
}

TEST(EntryObserver, SeesEveryEntryBodyAndDeletionOfEveryLayer) {
    ScratchDir scratch;
    std::string big(700 * 1024, 'x');  // several chunks
    Layer base = make_layer(TarBuilder()
                                .file("etc/os-release", os_release("debian", "12"))
                                .file("app/.env", "AWS_SECRET_ACCESS_KEY=abc\n")
                                .file("app/big.bin", big)
                                .file("usr/bin/passwd", "elf", 04755)
                                .file("etc/old.conf", "old")
                                .finish());
    Layer top = make_layer(TarBuilder().file("etc/.wh.old.conf", "").file("app/.wh..wh..opq", "")
                               .file("app/new.txt", "hello").finish());
    write_oci_image(scratch.path() / "oci", {base, top});

    RecordingObserver observer;
    auto inventory = scan_with("oci:" + (scratch.path() / "oci").string(), observer);
    ASSERT_TRUE(inventory) << inventory.error().message;

    EXPECT_EQ(observer.digests, (std::vector<std::string>{base.digest(), top.digest()}));
    EXPECT_EQ(observer.bodies["0:app/.env"], "AWS_SECRET_ACCESS_KEY=abc\n");
    EXPECT_EQ(observer.bodies["0:app/big.bin"], big);
    EXPECT_EQ(observer.bodies["1:app/new.txt"], "hello");
    EXPECT_EQ(observer.ended.size(), 3u);
    EXPECT_EQ(observer.modes["0:usr/bin/passwd"], 04755u) << "setuid bits reach the observer";
    EXPECT_EQ(observer.kinds["0:etc/os-release"], EntryKind::Regular);
    EXPECT_FALSE(observer.bodies.count("0:etc/os-release")) << "bodies only when asked";
    EXPECT_EQ(observer.deletions, (std::vector<std::string>{"1:etc/old.conf", "1:app/*"}));
    // Observing does not disturb the inventory: the OS is still found from a captured file.
    ASSERT_TRUE(inventory->os.has_value());
    EXPECT_EQ(inventory->os->family, "debian");
}

TEST(EntryObserver, SeesTheFilesOfADirRootfs) {
    ScratchDir scratch;
    fs::path root = scratch.path() / "rootfs";
    fs::create_directories(root / "app");
    write_file(root / "app" / "config.yml", "password: hunter2\n");
    write_file(root / "run.sh", "#!/bin/sh\n");
    ::chmod((root / "run.sh").c_str(), 04755);

    RecordingObserver observer;
    auto inventory = scan_with("dir:" + root.string(), observer);
    ASSERT_TRUE(inventory) << inventory.error().message;
    EXPECT_EQ(observer.bodies["0:app/config.yml"], "password: hunter2\n");
    EXPECT_EQ(observer.modes["0:run.sh"], 04755u);
    EXPECT_EQ(observer.kinds["0:app"], EntryKind::Directory);
}

}  // namespace
}  // namespace moat::testing
