// read_whole_file and OutputFile: OS errors are errors with the OS message, never short or empty text,
// never a write reported as done (issue 16, items 2 and 4).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <spark/core/file_io.hpp>

using namespace spark;
using Catch::Contains;

namespace {

class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "spark-file-io-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

TEST_CASE("read_whole_file returns every byte of a file written by OutputFile", "[file_io]") {
    ScratchDir dir;
    std::string content;
    for (int i = 0; i < 200000; ++i) content += static_cast<char>(i * 7 % 256);  // larger than the buffer
    OutputFile out(dir / "data.bin");
    out.write("head");
    out.write(content);
    out.write("tail");
    out.write_at(0, "HEAD");
    out.close();
    CHECK(read_whole_file(dir / "data.bin") == "HEAD" + content + "tail");
}

TEST_CASE("read_whole_file reports a read error with the OS message instead of returning empty text", "[file_io]") {
    // /proc/self/mem opens, but reading offset 0 (an unmapped address) fails with EIO.
    REQUIRE_THROWS_AS(read_whole_file("/proc/self/mem", "network file"), FileError);
    REQUIRE_THROWS_WITH(read_whole_file("/proc/self/mem", "network file"),
                        "cannot read network file '/proc/self/mem': Input/output error");
}

TEST_CASE("read_whole_file refuses a directory and a missing file with the OS message", "[file_io]") {
    ScratchDir dir;
    REQUIRE_THROWS_AS(read_whole_file(dir.path()), FileError);
    REQUIRE_THROWS_WITH(read_whole_file(dir.path()), Contains(dir.path().string()) && Contains("Is a directory"));
    REQUIRE_THROWS_WITH(read_whole_file(dir / "missing"), Contains("No such file or directory"));
    try {
        read_whole_file(dir / "missing", "snapshot");
        FAIL("no FileError");
    } catch (const FileError& e) {
        CHECK(e.path() == (dir / "missing").string());
        CHECK(e.reason() == "No such file or directory");
    }
}

TEST_CASE("OutputFile reports a full device at close when the data fit its buffer", "[file_io]") {
    OutputFile out("/dev/full");
    out.write("step,time_ms,node,unit\n");  // buffered: nothing has reached the device yet
    REQUIRE_THROWS_AS(out.close(), FileError);
    CHECK_FALSE(out.is_open());
    OutputFile again("/dev/full");
    again.write("x");
    REQUIRE_THROWS_WITH(again.close(), "cannot write '/dev/full': No space left on device");
}

TEST_CASE("OutputFile reports a full device at the write that overflows its buffer, and at flush", "[file_io]") {
    OutputFile big("/dev/full");
    REQUIRE_THROWS_WITH(big.write(std::string(1 << 20, 'x')), Contains("No space left on device"));
    OutputFile small("/dev/full");
    small.write("x");
    REQUIRE_THROWS_WITH(small.flush(), Contains("No space left on device"));
    OutputFile header("/dev/full");
    REQUIRE_THROWS_WITH(header.write_at(0, "x"), Contains("No space left on device"));
}

TEST_CASE("OutputFile refuses a path it cannot create with the OS message", "[file_io]") {
    ScratchDir dir;
    REQUIRE_THROWS_WITH(OutputFile(dir / "no" / "such" / "dir.csv"),
                        Contains("cannot write '" + (dir / "no" / "such" / "dir.csv").string() + "'") &&
                            Contains("No such file or directory"));
    REQUIRE_THROWS_WITH(OutputFile(dir.path()), Contains("Is a directory"));
}
