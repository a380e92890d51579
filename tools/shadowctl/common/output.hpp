#pragma once

// How every command prints what it found, and the small conventions all
// outputs share.
//
// The convention (bpftool's -j, with a file on the side):
//   default       text on stdout;
//   --json        the JSON document on stdout instead of the text;
//   -o FILE       the JSON document also written to FILE, the text still on
//                 stdout;
//   --json -o FILE  the document to FILE and nothing on stdout.
// Every document is one JSON object whose first key is "schema":
// "shadowslab-NAME/N", described by docs/schema/shadowslab-NAME-N.json.
//
// A value that could not be measured is "-" in text, empty in CSV and null
// in JSON.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "shadowslab/profile_spec.hpp"

namespace shadowctl {

// Keys stay in the order they are written, so output reads like the text.
using Json = nlohmann::ordered_json;

struct OutputOptions {
    bool json = false;  // --json
    std::string path;   // -o FILE; "" for none

    // "-o -" is --json: the document on stdout.
    bool text_wanted() const { return !json && path != "-"; }
    bool document_wanted() const { return json || !path.empty(); }
    // Where the document goes: FILE, or "-" for stdout.
    std::string document_path() const { return path.empty() ? "-" : path; }
};

// --json and -o/--output on `app`; its subcommands find them by fallthrough.
void add_output_options(CLI::App& app, OutputOptions& output);

// "shadowslab-NAME/N", as a document's schema key and in --help.
std::string schema_name(std::string_view name, int version);

// The help line that names a command's document, which -o writes as
// `output` says ("-o FILE"; report's: "-o DIR/report.json").
std::string schema_help(std::string_view name, int version, std::string_view output = "-o FILE");

// Prints `text` and writes `document` by the convention above.  The
// `warnings` are in both already; they go to stderr as well when no text is
// printed, so that they are seen.
void emit(const OutputOptions& output, std::string_view text, const Json& document,
          const std::vector<std::string>& warnings = {});

// Writes all of `content` to `fd`, retrying short writes and EINTR; throws
// OperationError with "write <what>".
void write_all(int fd, std::string_view content, const std::string& what);

// Writes `content` to the file at `path`, replacing it, or to stdout for
// "-"; throws OperationError naming the file.
void write_output(const std::string& path, std::string_view content);

// Fixed-point with `decimals` digits, or "-".
std::string fixed(std::optional<double> value, int decimals);

// "123456 B (120.6 KiB)"; plain "N B" below 1 KiB.
std::string bytes(std::uint64_t count);

// "1.234 s", "12.34 ms", "850.0 us", "42 ns"; "-" for nullopt.
std::string duration(double nanoseconds);
inline std::string duration(std::optional<double> nanoseconds) { return nanoseconds ? duration(*nanoseconds) : "-"; }

Json json_or_null(std::optional<double> value);

// {"name", "object_size" (0 = the profile's default), "regions": [{"size", "align"}]}
Json profile_to_json(const shadowslab::ProfileSpec& spec);

// Now, UTC, ISO 8601: "2026-12-01T10:00:00Z".
std::string utc_now();

// uname -r, or "" if uname fails.
std::string kernel_release();

}  // namespace shadowctl
