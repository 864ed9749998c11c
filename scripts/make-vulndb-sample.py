#!/usr/bin/env python3
"""Regenerates data/vulndb-sample/ (the offline advisory sample) from ../shared/vulndb.

The sample is laid out like the OSV export (<Ecosystem>/all.zip, ecosystems.txt, plus
severity/*.zip of CVE JSON 5 records) so that `moat db update --source data/vulndb-sample`
builds a small real database with no network. Records are copied byte for byte.

Chosen so that the shared test image (Debian 12 packages, npm app) gets real findings:
  - Debian: every record with a `Debian:12` entry for a source package of the image
    (the list is debian12-sources.txt; --dpkg-packages TSV rewrites it from the image's
    expected/dpkg-packages.tsv, column `source`);
  - npm: every GHSA record of the corpus (the advisories for the image's npm packages);
  - Alpine, AlmaLinux: the newest few records for a handful of common packages;
  - severity: the CVE records (vulnrichment) for the CVEs the chosen records name.
Zip entries are sorted, deflated and dated 2020-01-01, so a rebuild gives the same bytes.
"""
import argparse
import csv
import io
import json
import pathlib
import re
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXED_DATE = (2020, 1, 1, 0, 0, 0)
SIZE_LIMIT = 2 * 1024 * 1024

# A handful of packages common to small images, for the Alpine and AlmaLinux picks.
ALPINE_PACKAGES = ["openssl", "curl", "busybox", "musl", "zlib", "expat"]
ALMA_PACKAGES = ["openssl", "curl", "glibc", "systemd", "zlib", "tar"]
PER_PACKAGE = 3

SOURCES = {
    "DEBIAN": ("derived by the shared corpus from the debian/changelog of Debian 12 (bookworm) source "
               "packages (Debian archive, Sources indexes of 2026-07-11/2026-11-21/2026-11-22); see "
               "../shared/vulndb/MANIFEST.md, \"Derived records\"",
               "no licence file (public Debian data; each changelog is part of its source package)"),
    "ALPINE": ("derived by the shared corpus from alpinelinux/alpine-secdb @ 06f6e960194f46c2054522e1c6f90298a8c887e1",
               "no licence file"),
    "ALSA": ("AlmaLinux/osv-database @ 948f47aa6b88c2f76af1ae8e75cf3da9aeaf4a6c", "MIT"),
    "GHSA": ("github/advisory-database", "CC-BY-4.0"),
    "CVE": ("cisagov/vulnrichment @ b0ed758328f47f66438cb04396547b293a18511d", "CC0-1.0"),
}


def read_zip(path):
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            yield name, archive.read(name)


def write_zip(path, entries):
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries.items()):
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    path.write_bytes(buffer.getvalue())


def cve_ids(record):
    found = set()
    for field in ("aliases", "related", "upstream"):
        for value in record.get(field) or []:
            match = re.search(r"(?:^|-)(CVE-\d{4}-\d{4,})$", value)
            if match:
                found.add(match.group(1))
    match = re.search(r"(?:^|-)(CVE-\d{4}-\d{4,})$", record["id"])
    if match:
        found.add(match.group(1))
    return found


def ghsa_provenance(manifest_text):
    """GHSA id -> (path, commit) from the MANIFEST.md table of transcribed records."""
    rows = {}
    for line in manifest_text.splitlines():
        match = re.match(r"\| (GHSA-[0-9a-z-]+) \([^)]*\) \| (.+?) \| ([0-9a-f]{40}) \|$", line)
        if match:
            rows[match.group(1)] = (match.group(2), match.group(3))
    return rows


def newest_per_package(records, ecosystem_prefix, packages):
    """The PER_PACKAGE newest records (by `modified`, then id) per package, any release."""
    chosen = {}
    for package in packages:
        hits = [(record.get("modified", ""), name) for name, (record, _) in records.items()
                if any(a.get("package", {}).get("name") == package and
                       a.get("package", {}).get("ecosystem", "").startswith(ecosystem_prefix)
                       for a in record.get("affected", []))]
        for _, name in sorted(hits, reverse=True)[:PER_PACKAGE]:
            chosen[name] = records[name][1]
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=pathlib.Path, default=ROOT.parent / "shared" / "vulndb")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "data" / "vulndb-sample")
    parser.add_argument("--dpkg-packages", type=pathlib.Path,
                        help="the test image's expected/dpkg-packages.tsv; rewrites debian12-sources.txt")
    args = parser.parse_args()

    sources_list = args.out / "debian12-sources.txt"
    if args.dpkg_packages:
        with open(args.dpkg_packages, newline="") as tsv:
            sources = sorted({row["source"] for row in csv.DictReader(tsv, delimiter="\t")})
        args.out.mkdir(parents=True, exist_ok=True)
        sources_list.write_text("\n".join(sources) + "\n")
    if not sources_list.exists():
        sys.exit(f"{sources_list}: missing; give --dpkg-packages expected/dpkg-packages.tsv of the test image")
    debian_sources = set(sources_list.read_text().split())

    def load(folder):
        return {name: (json.loads(data), data) for name, data in read_zip(args.shared / folder / "all.zip")}

    chosen = {}
    debian = load("Debian")
    chosen["Debian"] = {name: data for name, (record, data) in debian.items()
                        if any(a["package"]["ecosystem"] == "Debian:12" and a["package"]["name"] in debian_sources
                               for a in record.get("affected", []))}
    npm = load("npm")
    chosen["npm"] = {name: data for name, (record, data) in npm.items() if record["id"].startswith("GHSA-")}
    chosen["Alpine"] = newest_per_package(load("Alpine"), "Alpine:", ALPINE_PACKAGES)
    alma = {name: value for name, value in load("AlmaLinux").items() if value[0]["id"].startswith("ALSA-")}
    chosen["AlmaLinux"] = newest_per_package(alma, "AlmaLinux:9", ALMA_PACKAGES)

    # The CVE severity records for the chosen advisories.
    wanted = set()
    for entries in chosen.values():
        for data in entries.values():
            wanted |= cve_ids(json.loads(data))
    severity = {name: data for name, data in read_zip(args.shared / "severity" / "vulnrichment-subset.zip")
                if name.rsplit("/", 1)[-1][:-len(".json")] in wanted}

    for stale in args.out.glob("*/all.zip"):
        stale.unlink()
    for folder, entries in chosen.items():
        write_zip(args.out / folder / "all.zip", entries)
    write_zip(args.out / "severity" / "vulnrichment-sample.zip", severity)
    (args.out / "ecosystems.txt").write_text("".join(f"{folder}\n" for folder in sorted(chosen)))

    manifest = (args.shared / "MANIFEST.md").read_text()
    ghsa = ghsa_provenance(manifest)
    lines = [
        "# Offline advisory sample",
        "",
        "A few hundred real advisories copied byte for byte from `../shared/vulndb` (see its",
        "MANIFEST.md), in the OSV export layout, so that moat works with no network:",
        "`moat db update --source data/vulndb-sample`. Regenerate with",
        "`scripts/make-vulndb-sample.py` (selection rules in its docstring; the Debian 12 source",
        "packages of the test image are listed in `debian12-sources.txt`).",
        "",
        "| Folder | Records |",
        "|---|---|",
    ]
    for folder in sorted(chosen):
        lines.append(f"| `{folder}/all.zip` | {len(chosen[folder])} |")
    lines.append(f"| `severity/vulnrichment-sample.zip` | {len(severity)} CVE JSON 5 records |")
    lines += ["", "## Sources and licences", "",
              "As MANIFEST.md gives them. The Debian and Alpine records are **derived** (built by the",
              "shared corpus from the distributions' own data; they are not osv.dev records)."]
    for folder in sorted(chosen):
        ids = [name[:-len(".json")] for name in sorted(chosen[folder])]
        lines += ["", f"### {folder}", ""]
        if folder == "npm":
            lines += [f"Source: {SOURCES['GHSA'][0]}, one file per record as below. Licence: {SOURCES['GHSA'][1]}.",
                      "", "| Record | Path | Commit |", "|---|---|---|"]
            for record_id in ids:
                path, commit = ghsa.get(record_id, ("(see MANIFEST.md)", ""))
                lines.append(f"| {record_id} | `{path}` | {commit} |")
            continue
        key = {"Debian": "DEBIAN", "Alpine": "ALPINE", "AlmaLinux": "ALSA"}[folder]
        lines += [f"Source: {SOURCES[key][0]}. Licence: {SOURCES[key][1]}.", "", "Records: " + ", ".join(ids) + "."]
    lines += ["", "### severity", "",
              f"Source: {SOURCES['CVE'][0]}, at the records' original paths. Licence: {SOURCES['CVE'][1]}.", "",
              "Records: " + ", ".join(name.rsplit("/", 1)[-1][:-len(".json")] for name in sorted(severity)) + "."]
    (args.out / "README.md").write_text("\n".join(lines) + "\n")

    total = sum(path.stat().st_size for path in args.out.rglob("*") if path.is_file())
    counts = ", ".join(f"{folder} {len(entries)}" for folder, entries in sorted(chosen.items()))
    print(f"{args.out}: {counts}, severity {len(severity)}; {total} bytes")
    if total > SIZE_LIMIT:
        sys.exit(f"{args.out}: {total} bytes, over the {SIZE_LIMIT}-byte budget")


if __name__ == "__main__":
    main()
