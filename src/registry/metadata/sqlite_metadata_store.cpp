#include "registry/metadata/sqlite_metadata_store.h"

#include <fmt/format.h>

namespace moat::registry {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS repositories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS repository_blobs (
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    digest TEXT NOT NULL,
    PRIMARY KEY (repository_id, digest)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS manifests (
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    artifact_type TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    annotations TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (repository_id, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS manifests_by_subject ON manifests (repository_id, subject);
CREATE TABLE IF NOT EXISTS manifest_references (
    repository_id INTEGER NOT NULL,
    manifest_digest TEXT NOT NULL,
    digest TEXT NOT NULL,
    kind TEXT NOT NULL,  -- 'blob' or 'manifest'
    PRIMARY KEY (repository_id, manifest_digest, digest, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (
    repository_id INTEGER NOT NULL REFERENCES repositories(id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repository_id, name)
) WITHOUT ROWID;
)sql";

ManifestRecord read_manifest_row(const SqliteStatement& row) {
    ManifestRecord record;
    record.digest = row.text(0);
    record.media_type = row.text(1);
    record.size = static_cast<uint64_t>(row.integer(2));
    record.artifact_type = row.text(3);
    record.subject = row.text(4);
    record.annotations_json = row.text(5);
    return record;
}

}  // namespace

Result<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::open(const std::filesystem::path& path) {
    auto db = SqliteDatabase::open(path);
    if (!db) return db.error();
    if (Status created = (*db)->exec(kSchema); !created) return created.error();
    return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(*db)));
}

Result<int64_t> SqliteMetadataStore::repository_id(std::string_view repository, bool create) {
    auto select = db_->prepare("SELECT id FROM repositories WHERE name = ?1");
    if (!select) return select.error();
    select->bind(1, repository);
    auto row = select->step();
    if (!row) return row.error();
    if (*row) return select->integer(0);
    if (!create) return int64_t{-1};
    auto insert = db_->prepare("INSERT INTO repositories (name) VALUES (?1)");
    if (!insert) return insert.error();
    if (Status ran = insert->bind(1, repository).run(); !ran) return ran.error();
    return db_->last_insert_rowid();
}

Result<bool> SqliteMetadataStore::repository_exists(std::string_view repository) {
    std::lock_guard lock(mutex_);
    auto id = repository_id(repository, false);
    if (!id) return id.error();
    return *id >= 0;
}

Result<std::vector<std::string>> SqliteMetadataStore::list_strings(std::string_view sql, std::string_view key,
                                                                   const PageRequest& page) {
    std::vector<std::string> names;
    if (page.limit && *page.limit == 0) return names;
    auto query = db_->prepare(sql);
    if (!query) return query.error();
    query->bind(1, key).bind(2, page.last).bind(3, page.limit ? static_cast<int64_t>(*page.limit) : int64_t{-1});
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        names.push_back(query->text(0));
    }
    return names;
}

Result<std::vector<std::string>> SqliteMetadataStore::list_repositories(const PageRequest& page) {
    std::lock_guard lock(mutex_);
    return list_strings("SELECT name FROM repositories WHERE ?1 = ?1 AND name > ?2 AND "
                        "(EXISTS (SELECT 1 FROM manifests m WHERE m.repository_id = id) OR "
                        " EXISTS (SELECT 1 FROM repository_blobs b WHERE b.repository_id = id)) "
                        "ORDER BY name LIMIT ?3",
                        "", page);
}

Status SqliteMetadataStore::link_blob(std::string_view repository, std::string_view digest) {
    std::lock_guard lock(mutex_);
    auto id = repository_id(repository, true);
    if (!id) return id.error();
    auto insert = db_->prepare("INSERT OR IGNORE INTO repository_blobs (repository_id, digest) VALUES (?1, ?2)");
    if (!insert) return insert.error();
    return insert->bind(1, *id).bind(2, digest).run();
}

Result<bool> SqliteMetadataStore::blob_linked(std::string_view repository, std::string_view digest) {
    std::lock_guard lock(mutex_);
    auto query = db_->prepare(
        "SELECT 1 FROM repository_blobs b JOIN repositories r ON r.id = b.repository_id "
        "WHERE r.name = ?1 AND b.digest = ?2");
    if (!query) return query.error();
    query->bind(1, repository).bind(2, digest);
    return query->step();
}

Result<bool> SqliteMetadataStore::unlink_blob(std::string_view repository, std::string_view digest) {
    std::lock_guard lock(mutex_);
    auto id = repository_id(repository, false);
    if (!id) return id.error();
    if (*id < 0) return false;
    auto remove = db_->prepare("DELETE FROM repository_blobs WHERE repository_id = ?1 AND digest = ?2");
    if (!remove) return remove.error();
    if (Status ran = remove->bind(1, *id).bind(2, digest).run(); !ran) return ran.error();
    return db_->changes() > 0;
}

Status SqliteMetadataStore::put_manifest(std::string_view repository, const ManifestRecord& manifest,
                                         std::string_view tag) {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(*db_);
    if (!transaction.begun()) return transaction.begun();
    auto id = repository_id(repository, true);
    if (!id) return id.error();
    auto insert = db_->prepare(
        "INSERT OR REPLACE INTO manifests (repository_id, digest, media_type, size, artifact_type, subject, "
        "annotations) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert) return insert.error();
    insert->bind(1, *id).bind(2, manifest.digest).bind(3, manifest.media_type)
        .bind(4, static_cast<int64_t>(manifest.size)).bind(5, manifest.artifact_type).bind(6, manifest.subject)
        .bind(7, manifest.annotations_json);
    if (Status ran = insert->run(); !ran) return ran;
    auto reference = db_->prepare(
        "INSERT OR IGNORE INTO manifest_references (repository_id, manifest_digest, digest, kind) "
        "VALUES (?1, ?2, ?3, ?4)");
    if (!reference) return reference.error();
    auto add_references = [&](const std::vector<std::string>& digests, std::string_view kind) -> Status {
        for (const auto& digest : digests) {
            reference->reset();
            reference->bind(1, *id).bind(2, manifest.digest).bind(3, digest).bind(4, kind);
            if (Status ran = reference->run(); !ran) return ran;
        }
        return {};
    };
    if (Status added = add_references(manifest.blobs, "blob"); !added) return added;
    if (Status added = add_references(manifest.child_manifests, "manifest"); !added) return added;
    if (!tag.empty()) {
        auto set_tag = db_->prepare("INSERT OR REPLACE INTO tags (repository_id, name, digest) VALUES (?1, ?2, ?3)");
        if (!set_tag) return set_tag.error();
        if (Status ran = set_tag->bind(1, *id).bind(2, tag).bind(3, manifest.digest).run(); !ran) return ran;
    }
    return transaction.commit();
}

Result<std::optional<ManifestRecord>> SqliteMetadataStore::get_manifest(std::string_view repository,
                                                                        std::string_view digest) {
    std::lock_guard lock(mutex_);
    auto query = db_->prepare(
        "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations FROM manifests m "
        "JOIN repositories r ON r.id = m.repository_id WHERE r.name = ?1 AND m.digest = ?2");
    if (!query) return query.error();
    query->bind(1, repository).bind(2, digest);
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return std::optional<ManifestRecord>{};
    return std::optional<ManifestRecord>{read_manifest_row(*query)};
}

Result<std::optional<std::string>> SqliteMetadataStore::resolve_tag(std::string_view repository,
                                                                    std::string_view tag) {
    std::lock_guard lock(mutex_);
    auto query = db_->prepare(
        "SELECT t.digest FROM tags t JOIN repositories r ON r.id = t.repository_id WHERE r.name = ?1 AND t.name = ?2");
    if (!query) return query.error();
    query->bind(1, repository).bind(2, tag);
    auto row = query->step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>{};
    return std::optional<std::string>{query->text(0)};
}

Result<bool> SqliteMetadataStore::delete_manifest(std::string_view repository, std::string_view digest) {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(*db_);
    if (!transaction.begun()) return transaction.begun().error();
    auto id = repository_id(repository, false);
    if (!id) return id.error();
    if (*id < 0) return false;
    bool existed = false;
    for (std::string_view sql : {"DELETE FROM manifests WHERE repository_id = ?1 AND digest = ?2",
                                 "DELETE FROM tags WHERE repository_id = ?1 AND digest = ?2",
                                 "DELETE FROM manifest_references WHERE repository_id = ?1 AND manifest_digest = ?2"}) {
        auto remove = db_->prepare(sql);
        if (!remove) return remove.error();
        if (Status ran = remove->bind(1, *id).bind(2, digest).run(); !ran) return ran.error();
        if (sql.find("FROM manifests") != std::string_view::npos) existed = db_->changes() > 0;
    }
    if (Status committed = transaction.commit(); !committed) return committed.error();
    return existed;
}

Result<bool> SqliteMetadataStore::delete_tag(std::string_view repository, std::string_view tag) {
    std::lock_guard lock(mutex_);
    auto id = repository_id(repository, false);
    if (!id) return id.error();
    if (*id < 0) return false;
    auto remove = db_->prepare("DELETE FROM tags WHERE repository_id = ?1 AND name = ?2");
    if (!remove) return remove.error();
    if (Status ran = remove->bind(1, *id).bind(2, tag).run(); !ran) return ran.error();
    return db_->changes() > 0;
}

Result<std::vector<std::string>> SqliteMetadataStore::list_tags(std::string_view repository,
                                                                const PageRequest& page) {
    std::lock_guard lock(mutex_);
    return list_strings("SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id "
                        "WHERE r.name = ?1 AND t.name > ?2 ORDER BY t.name LIMIT ?3",
                        repository, page);
}

Result<std::vector<ManifestRecord>> SqliteMetadataStore::referrers(std::string_view repository,
                                                                   std::string_view subject,
                                                                   std::string_view artifact_type) {
    std::lock_guard lock(mutex_);
    auto query = db_->prepare(
        "SELECT m.digest, m.media_type, m.size, m.artifact_type, m.subject, m.annotations FROM manifests m "
        "JOIN repositories r ON r.id = m.repository_id WHERE r.name = ?1 AND m.subject = ?2 "
        "AND (?3 = '' OR m.artifact_type = ?3) ORDER BY m.digest");
    if (!query) return query.error();
    query->bind(1, repository).bind(2, subject).bind(3, artifact_type);
    std::vector<ManifestRecord> records;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        records.push_back(read_manifest_row(*query));
    }
    return records;
}

Result<std::vector<std::string>> SqliteMetadataStore::referenced_digests() {
    std::lock_guard lock(mutex_);
    auto query = db_->prepare(
        "SELECT digest FROM manifests UNION SELECT digest FROM manifest_references");
    if (!query) return query.error();
    std::vector<std::string> digests;
    for (;;) {
        auto row = query->step();
        if (!row) return row.error();
        if (!*row) break;
        digests.push_back(query->text(0));
    }
    return digests;
}

Status SqliteMetadataStore::forget_blob(std::string_view digest) {
    std::lock_guard lock(mutex_);
    auto remove = db_->prepare("DELETE FROM repository_blobs WHERE digest = ?1");
    if (!remove) return remove.error();
    return remove->bind(1, digest).run();
}

}  // namespace moat::registry
