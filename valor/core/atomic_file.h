// Whole-file reads and crash-safe whole-file writes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace valor {

// Replaces `path` with `bytes` so that a reader (or a crash) sees either the old file or the new
// one, never a mix: writes a uniquely named temp file in the same folder, fsyncs it, renames it
// over `path` and fsyncs the folder. The folder must exist. On any failure the temp file is
// removed, `path` is left as it was, and std::runtime_error names the path and the OS error.
// New files get mode 0666 minus the umask.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

// Returns the whole content of `path`. A missing file is a valor::Error naming it; other I/O
// failures are std::runtime_error.
std::string read_file(const std::filesystem::path& path);

}  // namespace valor
