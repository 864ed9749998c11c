#include "analyze/secret/sensitive_files.h"

#include <array>
#include <cctype>
#include <string>

namespace moat {
namespace {

constexpr SensitiveFileKind kSshPrivateKey{"sensitive-file-ssh-private-key", "SSH private key", Severity::High};
constexpr SensitiveFileKind kSshHostKey{"sensitive-file-ssh-host-key",
                                        "SSH host private key baked into the image (every container shares it)",
                                        Severity::Medium};
constexpr SensitiveFileKind kPrivateKey{"sensitive-file-private-key", "Private key file (.key)", Severity::High};
constexpr SensitiveFileKind kPem{"sensitive-file-pem", "PEM file that may hold a private key", Severity::Medium};
constexpr SensitiveFileKind kPkcs12{"sensitive-file-pkcs12", "PKCS#12 key store (.p12/.pfx)", Severity::High};
constexpr SensitiveFileKind kJavaKeystore{"sensitive-file-java-keystore", "Java key store", Severity::High};
constexpr SensitiveFileKind kPuttyKey{"sensitive-file-putty-key", "PuTTY private key (.ppk)", Severity::High};
constexpr SensitiveFileKind kGpgKey{"sensitive-file-gpg-private-key", "GnuPG private key ring", Severity::High};
constexpr SensitiveFileKind kKeepass{"sensitive-file-keepass", "KeePass password database", Severity::High};
constexpr SensitiveFileKind kKeytab{"sensitive-file-kerberos-keytab", "Kerberos keytab", Severity::High};
constexpr SensitiveFileKind kWallet{"sensitive-file-crypto-wallet", "Cryptocurrency wallet", Severity::High};
constexpr SensitiveFileKind kGitCredentials{"sensitive-file-git-credentials", "Git credential store (.git-credentials)",
                                            Severity::High};
constexpr SensitiveFileKind kNetrc{"sensitive-file-netrc", "Login credentials file (.netrc)", Severity::High};
constexpr SensitiveFileKind kPgpass{"sensitive-file-pgpass", "PostgreSQL password file (.pgpass)", Severity::High};
constexpr SensitiveFileKind kAwsCredentials{"sensitive-file-aws-credentials", "AWS CLI credentials file",
                                            Severity::High};
constexpr SensitiveFileKind kGcloudCredentials{"sensitive-file-gcloud-credentials", "Google Cloud SDK credentials",
                                               Severity::High};
constexpr SensitiveFileKind kAzureCredentials{"sensitive-file-azure-credentials", "Azure CLI token cache",
                                              Severity::High};
constexpr SensitiveFileKind kDockerConfig{"sensitive-file-docker-config",
                                          "Docker client config (may hold registry credentials)", Severity::Medium};
constexpr SensitiveFileKind kKubeconfig{"sensitive-file-kubeconfig", "Kubernetes client config (kubeconfig)",
                                        Severity::High};
constexpr SensitiveFileKind kNpmrc{"sensitive-file-npmrc", "npm client config (.npmrc, may hold a token)",
                                   Severity::Low};
constexpr SensitiveFileKind kPypirc{"sensitive-file-pypirc", "PyPI upload config (.pypirc)", Severity::Medium};
constexpr SensitiveFileKind kRegistryCredentials{"sensitive-file-registry-credentials",
                                                 "Package registry credentials (cargo, gem)", Severity::Medium};
constexpr SensitiveFileKind kGithubCli{"sensitive-file-github-cli", "GitHub CLI hosts file (holds a token)",
                                       Severity::High};
constexpr SensitiveFileKind kTerraformState{"sensitive-file-terraform-state",
                                            "Terraform state (holds resource secrets in clear)", Severity::High};
constexpr SensitiveFileKind kTerraformCredentials{"sensitive-file-terraform-credentials",
                                                  "Terraform CLI credentials", Severity::High};
constexpr SensitiveFileKind kVaultToken{"sensitive-file-vault-token", "HashiCorp Vault token file", Severity::High};
constexpr SensitiveFileKind kS3cfg{"sensitive-file-s3cfg", "s3cmd config with keys (.s3cfg)", Severity::High};
constexpr SensitiveFileKind kBoto{"sensitive-file-boto-config", "boto config (.boto)", Severity::Medium};
constexpr SensitiveFileKind kHtpasswd{"sensitive-file-htpasswd", "Password hashes (.htpasswd)", Severity::Medium};
constexpr SensitiveFileKind kRailsMasterKey{"sensitive-file-rails-master-key", "Rails master key", Severity::High};
constexpr SensitiveFileKind kOpenvpn{"sensitive-file-openvpn-config", "OpenVPN profile (may embed keys)",
                                     Severity::Medium};
constexpr SensitiveFileKind kShellHistory{"sensitive-file-shell-history",
                                          "Shell history left in the image (may hold typed secrets)", Severity::Low};

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

// Trees whose keys are public certificates, documentation or dependencies' test fixtures.
bool in_exempt_tree(std::string_view path) {
    static constexpr std::array<std::string_view, 10> kPrefixes = {
        "etc/ssl/certs/",      "usr/share/",         "usr/local/share/ca-certificates/", "etc/pki/ca-trust/",
        "etc/pki/tls/certs/",  "etc/ca-certificates/", "usr/lib/ssl/certs/",             "etc/pki/java/",
        "usr/include/",        "proc/",
    };
    for (auto prefix : kPrefixes)
        if (path.starts_with(prefix)) return true;
    static constexpr std::array<std::string_view, 5> kTrees = {"node_modules/", "site-packages/", "dist-packages/",
                                                               "vendor/", "go/pkg/mod/"};
    for (auto tree : kTrees)
        for (size_t at = path.find(tree); at != std::string_view::npos; at = path.find(tree, at + 1))
            if (at == 0 || path[at - 1] == '/') return true;
    return false;
}

bool names_a_certificate(std::string_view base) {
    static constexpr std::array<std::string_view, 10> kWords = {"cert", "chain", "ca-bundle", "cacert", "pubkey",
                                                                "public", "dhparam", "trust", "root-ca", "-ca."};
    for (auto word : kWords)
        if (contains(base, word)) return true;
    return base == "ca.pem" || base == "ca.key.pub";
}

}  // namespace

const SensitiveFileKind* classify_sensitive_file(std::string_view path) {
    while (path.starts_with("/")) path.remove_prefix(1);
    const size_t slash = path.rfind('/');
    const std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash + 1);
    const std::string base = lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
    if (base.empty()) return nullptr;
    const std::string full = lower(path);
    auto in_dir = [&](std::string_view name) {  // the file sits in a directory called `name`
        if (dir.empty()) return false;
        const std::string_view parent = dir.substr(0, dir.size() - 1);  // without the trailing '/'
        return parent == name ||
               (parent.ends_with(name) && parent[parent.size() - name.size() - 1] == '/');
    };
    auto ext_is = [&](std::string_view ext) { return base.size() > ext.size() && std::string_view(base).ends_with(ext); };

    // The distribution's certificates and documentation, and dependencies' fixtures, are not.
    if (in_exempt_tree(path)) return nullptr;

    // Credential files of tools, by name and directory.
    if (base == ".git-credentials" || (base == "credentials" && full.ends_with(".config/git/credentials")))
        return &kGitCredentials;
    if (base == ".netrc" || base == "_netrc") return &kNetrc;
    if (base == ".pgpass") return &kPgpass;
    if (base == "credentials" && in_dir(".aws")) return &kAwsCredentials;
    if (in_dir("gcloud") && (base == "credentials.db" || base == "access_tokens.db" ||
                             base == "application_default_credentials.json"))
        return &kGcloudCredentials;
    if (contains(full, ".config/gcloud/legacy_credentials/")) return &kGcloudCredentials;
    if (in_dir(".azure") && (base == "accesstokens.json" || base == "msal_token_cache.json" ||
                             base == "msal_token_cache.bin"))
        return &kAzureCredentials;
    if ((base == "config.json" && in_dir(".docker")) || base == ".dockercfg") return &kDockerConfig;
    if ((base == "config" && in_dir(".kube")) || base == "kubeconfig" || ext_is(".kubeconfig"))
        return &kKubeconfig;
    if (base == ".npmrc") return &kNpmrc;
    if (base == ".pypirc") return &kPypirc;
    if ((in_dir(".cargo") && (base == "credentials" || base == "credentials.toml")) ||
        (in_dir(".gem") && base == "credentials"))
        return &kRegistryCredentials;
    if (base == "hosts.yml" && contains(full, ".config/gh/")) return &kGithubCli;
    if (ext_is(".tfstate") || ext_is(".tfstate.backup")) return &kTerraformState;
    if (base == ".terraformrc" || base == "credentials.tfrc.json") return &kTerraformCredentials;
    if (base == ".vault-token") return &kVaultToken;
    if (base == ".s3cfg") return &kS3cfg;
    if (base == ".boto") return &kBoto;
    if (base == ".htpasswd") return &kHtpasswd;
    if (base == ".bash_history" || base == ".zsh_history" || base == ".ash_history" || base == ".sh_history" ||
        base == ".mysql_history" || base == ".psql_history")
        return &kShellHistory;
    if (base == "wallet.dat") return &kWallet;

    // Keys and key stores.
    static constexpr std::array<std::string_view, 6> kSshKeys = {"id_rsa", "id_dsa", "id_ecdsa",
                                                                 "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"};
    for (auto name : kSshKeys)
        if (base == name) return &kSshPrivateKey;
    if (base.starts_with("ssh_host_") && ext_is("_key")) return &kSshHostKey;
    if (base == "master.key" && in_dir("config")) return &kRailsMasterKey;
    if (base == "secring.gpg" || contains(full, ".gnupg/private-keys-v1.d/")) return &kGpgKey;
    if (ext_is(".ppk")) return &kPuttyKey;
    if (ext_is(".p12") || ext_is(".pfx")) return &kPkcs12;
    if (ext_is(".jks") || ext_is(".keystore") || ext_is(".jceks") || ext_is(".bks")) {
        if (contains(base, "trust") || base == "cacerts") return nullptr;
        return &kJavaKeystore;
    }
    if (ext_is(".kdbx") || ext_is(".kdb")) return &kKeepass;
    if (ext_is(".keytab")) return &kKeytab;
    if (ext_is(".ovpn")) return &kOpenvpn;
    // A .key is a private key whatever its name ("ssl-cert-snakeoil.key"), unless it says public.
    if (ext_is(".key")) return contains(base, "pub") ? nullptr : &kPrivateKey;
    if (ext_is(".pem")) return names_a_certificate(base) ? nullptr : &kPem;
    return nullptr;
}

}  // namespace moat
