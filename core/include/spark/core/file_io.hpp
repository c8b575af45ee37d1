#pragma once
// Reading and writing whole files with every OS error reported.
//
// Streams hide I/O errors: `text << ifstream.rdbuf()` reads a file that fails part way (EIO from
// /proc/self/mem, EISDIR from a directory) as empty or short text, and an ofstream on a full disk
// only sets a flag that nobody asks. These helpers use the POSIX calls directly and throw FileError,
// whose message names the file and the OS error (strerror), on the first failure.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <spark/core/error.hpp>

namespace spark {

// The whole content of a file. `what` names it in messages ("network file" gives
// "cannot read network file 'x.txtpb': Is a directory"). Throws FileError when the file cannot be
// opened or read to its end.
std::string read_whole_file(const std::filesystem::path& path, std::string_view what = "file");

// A file written through a buffer. write() appends; flush() and close() hand the buffer to the OS;
// each of them throws FileError ("cannot write 'out/spikes.csv': No space left on device") when the OS
// refuses. Destroying an OutputFile that was not closed closes it without checking: call close() to
// know that everything was written.
class OutputFile {
public:
    // Creates the file or truncates it.
    explicit OutputFile(std::filesystem::path path);
    ~OutputFile();
    OutputFile(OutputFile&& other) noexcept;
    OutputFile& operator=(OutputFile&& other) noexcept;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    void write(std::string_view bytes);
    // Overwrites bytes at `offset` from the start of the file (after flushing what is buffered).
    void write_at(std::uint64_t offset, std::string_view bytes);
    void flush();
    void close();

    const std::filesystem::path& path() const noexcept { return path_; }
    bool is_open() const noexcept { return fd_ >= 0; }

private:
    [[noreturn]] void fail(int error) const;
    void write_through(std::string_view bytes);
    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;
};

}  // namespace spark
