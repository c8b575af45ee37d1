#include <spark/core/file_io.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace spark {

namespace {

constexpr std::size_t kBufferBytes = std::size_t{1} << 16;

[[noreturn]] void fail_read(const std::filesystem::path& path, std::string_view what, int error) {
    throw FileError(path.string(), "cannot read " + std::string(what), std::strerror(error));
}

}  // namespace

std::string read_whole_file(const std::filesystem::path& path, std::string_view what) {
    int fd = -1;
    while ((fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR) {
    }
    if (fd < 0) fail_read(path, what, errno);
    std::string text;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0)
        text.reserve(static_cast<std::size_t>(info.st_size));
    char chunk[kBufferBytes];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n > 0) {
            text.append(chunk, static_cast<std::size_t>(n));
        } else if (n == 0) {
            break;
        } else if (errno != EINTR) {
            const int error = errno;
            ::close(fd);
            fail_read(path, what, error);
        }
    }
    ::close(fd);
    return text;
}

OutputFile::OutputFile(std::filesystem::path path) : path_(std::move(path)) {
    while ((fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 && errno == EINTR) {
    }
    if (fd_ < 0) fail(errno);
    buffer_.reserve(kBufferBytes);
}

OutputFile::~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
    }
    return *this;
}

void OutputFile::fail(int error) const {
    throw FileError(path_.string(), "cannot write", std::strerror(error));
}

void OutputFile::write(std::string_view bytes) {
    if (fd_ < 0) fail(EBADF);
    if (buffer_.size() + bytes.size() > kBufferBytes) flush();
    if (bytes.size() >= kBufferBytes) write_through(bytes);  // a large write skips the buffer
    else buffer_.append(bytes);
}

void OutputFile::flush() {
    if (fd_ < 0) fail(EBADF);
    write_through(buffer_);
    buffer_.clear();
}

void OutputFile::write_through(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n > 0) done += static_cast<std::size_t>(n);
        else if (n == 0) fail(ENOSPC);  // a regular file takes no bytes only when there is no room
        else if (errno != EINTR) fail(errno);
    }
}

void OutputFile::write_at(std::uint64_t offset, std::string_view bytes) {
    flush();
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
        if (n > 0) done += static_cast<std::size_t>(n);
        else if (n == 0) fail(ENOSPC);
        else if (errno != EINTR) fail(errno);
    }
}

void OutputFile::close() {
    if (fd_ < 0) return;
    try {
        flush();
    } catch (...) {
        ::close(std::exchange(fd_, -1));
        throw;
    }
    // close() reports errors of a delayed write (NFS, some FUSE file systems); it must not be retried.
    if (::close(std::exchange(fd_, -1)) != 0) fail(errno);
}

}  // namespace spark
