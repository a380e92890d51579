#pragma once

#include <string>
#include <string_view>

namespace shadowctl {

// Writes all of `content` to `fd`, retrying short writes and EINTR; throws
// OperationError with "write <what>".
void write_all(int fd, std::string_view content, const std::string& what);

// Writes `content` to the file at `path`, replacing it, or to stdout for
// "-"; throws OperationError naming the file.
void write_output(const std::string& path, std::string_view content);

}  // namespace shadowctl
