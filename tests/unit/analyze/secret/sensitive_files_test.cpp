// Sensitive files by name and extension, and the distribution's certificates that are not.
#include <gtest/gtest.h>

#include "analyze/secret/sensitive_files.h"

namespace moat::testing {
namespace {

std::string kind_of(std::string_view path) {
    const SensitiveFileKind* kind = classify_sensitive_file(path);
    return kind ? std::string(kind->id) : "";
}

TEST(SensitiveFiles, KeysKeyStoresAndCredentialFilesAreFlagged) {
    const std::pair<const char*, const char*> cases[] = {
        {"root/.ssh/id_rsa", "sensitive-file-ssh-private-key"},
        {"home/app/.ssh/id_ed25519", "sensitive-file-ssh-private-key"},
        {"etc/ssh/ssh_host_ed25519_key", "sensitive-file-ssh-host-key"},
        {"app/config/server.key", "sensitive-file-private-key"},
        {"etc/ssl/private/ssl-cert-snakeoil.key", "sensitive-file-private-key"},
        {"app/tls/server.pem", "sensitive-file-pem"},
        {"app/client.p12", "sensitive-file-pkcs12"},
        {"app/client.PFX", "sensitive-file-pkcs12"},
        {"opt/app/keystore.jks", "sensitive-file-java-keystore"},
        {"opt/app/release.keystore", "sensitive-file-java-keystore"},
        {"root/passwords.kdbx", "sensitive-file-keepass"},
        {"root/.git-credentials", "sensitive-file-git-credentials"},
        {"root/.netrc", "sensitive-file-netrc"},
        {"var/lib/postgresql/.pgpass", "sensitive-file-pgpass"},
        {"root/.aws/credentials", "sensitive-file-aws-credentials"},
        {"root/.docker/config.json", "sensitive-file-docker-config"},
        {"root/.kube/config", "sensitive-file-kubeconfig"},
        {"etc/kubeconfig", "sensitive-file-kubeconfig"},
        {"app/.npmrc", "sensitive-file-npmrc"},
        {"root/.pypirc", "sensitive-file-pypirc"},
        {"infra/terraform.tfstate", "sensitive-file-terraform-state"},
        {"root/.bash_history", "sensitive-file-shell-history"},
        {"app/config/master.key", "sensitive-file-rails-master-key"},
        {"root/.gnupg/private-keys-v1.d/ABCD.key", "sensitive-file-gpg-private-key"},
        {"root/.config/gcloud/application_default_credentials.json", "sensitive-file-gcloud-credentials"},
        {"etc/krb5.keytab", "sensitive-file-kerberos-keytab"},
    };
    for (const auto& [path, id] : cases) EXPECT_EQ(kind_of(path), id) << path;
}

TEST(SensitiveFiles, PublicCertificatesAndDependencyFixturesAreNot) {
    const char* quiet[] = {
        "etc/ssl/certs/ca-certificates.crt",
        "etc/ssl/certs/ISRG_Root_X1.pem",
        "usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt",
        "usr/local/share/ca-certificates/corp.pem",
        "etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "etc/pki/tls/certs/ca-bundle.crt",
        "usr/lib/python3/dist-packages/certifi/cacert.pem",
        "usr/local/lib/python3.12/site-packages/pip/_vendor/certifi/cacert.pem",
        "app/node_modules/some-lib/test/fixtures/key.pem",
        "app/certs/server-cert.pem",
        "app/certs/fullchain.pem",
        "app/certs/ca.pem",
        "etc/ssl/dhparam.pem",
        "usr/lib/jvm/java-17/lib/security/cacerts",
        "opt/app/truststore.jks",
        "root/.ssh/id_rsa.pub",
        "root/.ssh/known_hosts",
        "etc/ssh/ssh_host_rsa_key.pub",
        "etc/passwd",
        "app/keys.py",
        "app/monkey",
        "usr/share/doc/openssl/demo.key",
    };
    for (const char* path : quiet) EXPECT_EQ(kind_of(path), "") << path;
}

}  // namespace
}  // namespace moat::testing
