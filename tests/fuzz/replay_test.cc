// Replays the fuzz targets' seed corpora (corpus/<target>/) and every input a fuzzer once
// failed on (regressions/<target>/) through the targets, built without libFuzzer: a broken
// invariant throws (fuzz_check.cc) and names the file, so does one allocation over 64 MiB; a
// crash or a sanitizer report (in the sanitizer build) fails the run.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <vector>

extern "C" int CaseledgerFuzz_frame(const uint8_t* data, size_t size);
extern "C" int CaseledgerFuzz_event_json(const uint8_t* data, size_t size);
extern "C" int CaseledgerFuzz_rule_pack(const uint8_t* data, size_t size);
extern "C" int CaseledgerFuzz_checkpoint(const uint8_t* data, size_t size);
extern "C" int CaseledgerFuzz_bundle(const uint8_t* data, size_t size);

namespace {

// No input of these targets needs a single allocation this large; a larger one means a small
// input made a reader allocate in proportion to what it claims rather than to its size (as a
// bundle of 30 KB once made VerifyBundle allocate 150 MB at once). libFuzzer's -malloc_limit_mb
// catches the same in the fuzz build.
constexpr size_t kMaxAllocation = 64 << 20;
std::atomic<size_t> largest_allocation{0};

}  // namespace

// Counts the largest allocation; memory comes from malloc as usual.
void* operator new(size_t size) {
  size_t seen = largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !largest_allocation.compare_exchange_weak(seen, size)) {
  }
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
// The nothrow form too, as the standard's default does: the sanitizer runtimes serve it from
// their own allocator instead of calling the operator new above, and the free() below then
// released memory it did not allocate (ASan: alloc-dealloc-mismatch; Catch uses this form).
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {

namespace fs = std::filesystem;
using Target = int (*)(const uint8_t*, size_t);

std::vector<fs::path> FilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs every file of `subdir`/`name` through `target`; returns how many there were.
size_t Replay(const std::string& subdir, const std::string& name, Target target) {
  const auto files = FilesIn(fs::path(CASELEDGER_FUZZ_DIR) / subdir / name);
  for (const fs::path& file : files) {
    INFO(file.string());
    const std::string bytes = ReadFile(file);
    largest_allocation = 0;
    CHECK_NOTHROW(target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    CHECK(largest_allocation <= kMaxAllocation);
  }
  return files.size();
}

void ReplayAll(const std::string& name, Target target) {
  // A target whose seeds went missing would pass here while its fuzzer starts from nothing.
  CHECK(Replay("corpus", name, target) > 0);
  Replay("regressions", name, target);
}

}  // namespace

TEST_CASE("fuzz_frame's seeds and regressions keep the frame invariants", "[fuzz]") {
  ReplayAll("frame", CaseledgerFuzz_frame);
}

TEST_CASE("fuzz_event_json's seeds and regressions keep the JSON invariants", "[fuzz]") {
  ReplayAll("event_json", CaseledgerFuzz_event_json);
}

TEST_CASE("fuzz_rule_pack's seeds and regressions keep the pack invariants", "[fuzz]") {
  ReplayAll("rule_pack", CaseledgerFuzz_rule_pack);
}

TEST_CASE("fuzz_checkpoint's seeds and regressions keep the checkpoint invariants", "[fuzz]") {
  ReplayAll("checkpoint", CaseledgerFuzz_checkpoint);
}

TEST_CASE("fuzz_bundle's seeds and regressions keep the bundle invariants", "[fuzz]") {
  ReplayAll("bundle", CaseledgerFuzz_bundle);
}
