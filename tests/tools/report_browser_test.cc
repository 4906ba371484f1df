// The reports in a real browser (headless Chromium, Debian `chromium`): each page loads with no
// console message, the obligation bars of the rendered DOM are exactly the obligations that
// `caseledger timeline --json` lists for the case, and a screenshot of each chart is not blank.
//
// Console capture: Chromium run with --enable-logging=stderr --v=0 writes every console message
// of the page to stderr as a line with "CONSOLE" (":INFO:CONSOLE(" or ":INFO:CONSOLE:" by
// version); a first test proves the capture by loading pages that do log errors.
//
// Without Chromium these tests fail, saying why (CI installs it), unless CASELEDGER_SKIP_BROWSER=1.
#include <png.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/projection_store.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

// True when the browser tests should run; FAILs the test when Chromium is missing and
// skipping was not asked for.
bool HaveBrowser() {
  if (testing::RunProcess("command -v chromium").first == 0) return true;
  const char* skip = std::getenv("CASELEDGER_SKIP_BROWSER");
  if (skip != nullptr && std::string(skip) == "1") {
    WARN("chromium not found; browser test skipped (CASELEDGER_SKIP_BROWSER=1)");
    return false;
  }
  FAIL(
      "chromium not found: install Debian `chromium` (tools/setup.sh test does), or set "
      "CASELEDGER_SKIP_BROWSER=1 to skip the browser tests");
  return false;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct BrowserRun {
  int code = -1;
  std::string out;      // stdout: the DOM with --dump-dom
  std::string console;  // the console lines of stderr
  std::string err;      // all of stderr, for failure messages
};

// Runs headless Chromium on `url` with `mode` ("--dump-dom" or "--screenshot=FILE ...").
// A profile of its own under `dir`, so parallel runs do not share a lock.
BrowserRun Chromium(const testing::TempDir& dir, const std::string& mode, const std::string& url) {
  const std::string out = dir.Sub("chromium.out"), err = dir.Sub("chromium.err");
  // In a subshell: RunProcess adds its own 2>&1, which must not undo ours.
  const std::string cmd =
      "(timeout 60 chromium --headless --no-sandbox --disable-gpu "
      "--no-first-run --disable-extensions --enable-logging=stderr --v=0 "
      "--user-data-dir=" +
      dir.Sub("profile") + " " + mode + " '" + url + "' >" + out + " 2>" + err + ")";
  BrowserRun run;
  run.code = testing::RunProcess(cmd).first;
  run.out = ReadFile(out);
  run.err = ReadFile(err);
  std::istringstream lines(run.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("CONSOLE") != std::string::npos) run.console += line + "\n";
  }
  return run;
}

// The number of distinct colours in a PNG and the number of pixels of one colour (RGB).
struct PngColours {
  bool ok = false;
  size_t width = 0, height = 0, distinct = 0, of_colour = 0;
};
PngColours Colours(const std::string& path, uint32_t rgb) {
  PngColours c;
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return c;
  image.format = PNG_FORMAT_RGB;
  std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) return c;
  std::set<uint32_t> seen;
  for (size_t i = 0; i + 2 < pixels.size(); i += 3) {
    const uint32_t p = (uint32_t{pixels[i]} << 16) | (uint32_t{pixels[i + 1]} << 8) | pixels[i + 2];
    seen.insert(p);
    if (p == rgb) ++c.of_colour;
  }
  c.ok = true;
  c.width = image.width;
  c.height = image.height;
  c.distinct = seen.size();
  return c;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The value of `"key":"..."` at or after `from`; "" when absent.
std::string JsonField(const std::string& json, const std::string& key, size_t from) {
  const std::string k = "\"" + key + "\":\"";
  const size_t at = json.find(k, from);
  if (at == std::string::npos) return "";
  const size_t start = at + k.size();
  return json.substr(start, json.find('"', start) - start);
}

using Multiset = std::map<std::pair<std::string, std::string>, int>;  // (rule, status) -> n

// The obligations of `caseledger timeline --json`: each object opens with "rule" and has one
// "status" (the nested trigger and satisfiedBy objects have neither).
Multiset TimelineObligations(const std::string& json) {
  Multiset m;
  for (size_t at = json.find("{\"rule\":"); at != std::string::npos;
       at = json.find("{\"rule\":", at + 1)) {
    ++m[{JsonField(json, "rule", at), JsonField(json, "status", at)}];
  }
  return m;
}

// The obligation bars of a rendered DOM (attributes as the browser serialises them).
Multiset DomBars(const std::string& dom) {
  Multiset m;
  const std::string tag = "class=\"obligation-bar\"";
  for (size_t at = dom.find(tag); at != std::string::npos; at = dom.find(tag, at + 1)) {
    const size_t end = dom.find('>', at);
    const std::string element = dom.substr(at, end - at);
    auto attr = [&](const std::string& name) {
      const std::string k = name + "=\"";
      const size_t a = element.find(k);
      if (a == std::string::npos) return std::string();
      return element.substr(a + k.size(), element.find('"', a + k.size()) - a - k.size());
    };
    ++m[{attr("data-rule"), attr("data-status")}];
  }
  return m;
}

struct Generated {
  std::string data, case_id;
  size_t obligations = 0;
  int64_t mid = 0;  // a time inside the case, so statuses include open and overdue ones
};

// Three generated cases under the shipped packs; the case with the most obligations.
Generated Generate(const testing::TempDir& dir) {
  synthetic::GeneratorOptions o;
  o.cases = 3;
  o.seed = 7;
  o.late_share = 0.5;
  o.activate_rule_packs = true;
  Generated g;
  g.data = dir.Sub("data");
  REQUIRE(synthetic::GenerateInto(g.data, o).ok());
  LedgerOptions lo;
  lo.data_dir = g.data;
  lo.read_only = true;
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  auto store = projections::ProjectionStore::Open(**ledger);
  REQUIRE(store.ok());
  REQUIRE((*store)->CatchUp().ok());
  auto streams = (*ledger)->ListStreams("", 100);
  REQUIRE(streams.ok());
  for (const auto& s : *streams) {
    if (s.case_id.rfind("rules:", 0) == 0) continue;
    auto state = (*store)->Case(s.case_id);
    REQUIRE(state.ok());
    const auto obligations = state->compliance.Obligations();
    if (obligations.size() > g.obligations) {
      g.obligations = obligations.size();
      g.case_id = s.case_id;
      g.mid = obligations[obligations.size() / 2].trigger_at + 3600LL * 1000000;
    }
  }
  REQUIRE(g.obligations > 5);
  return g;
}

TEST_CASE("the console capture sees what a page logs, and a missing asset", "[report][browser]") {
  if (!HaveBrowser()) return;
  testing::TempDir dir;
  const std::string page = dir.Sub("logs.html");
  std::ofstream(page) << "<!DOCTYPE html><html><body><p>x</p>"
                         "<script>console.error('capture-proof-error');</script></body></html>";
  BrowserRun run = Chromium(dir, "--dump-dom", "file://" + page);
  INFO(run.err);
  CHECK(run.code == 0);
  CHECK(run.console.find("capture-proof-error") != std::string::npos);
  const std::string missing = dir.Sub("missing.html");
  std::ofstream(missing) << "<!DOCTYPE html><html><body><img src=\"nothing-here.png\">"
                            "<script>undefinedFunction();</script></body></html>";
  run = Chromium(dir, "--dump-dom", "file://" + missing);
  CHECK(run.console.find("undefinedFunction") != std::string::npos);
}

TEST_CASE("the case report shows in Chromium exactly the obligations of timeline --json",
          "[report][browser]") {
  if (!HaveBrowser()) return;
  testing::TempDir dir;
  const Generated g = Generate(dir);
  const std::string cli = CASELEDGER_CLI, html = dir.Sub("case.html");
  const std::string as_of = FormatRfc3339(g.mid);
  auto [code, text] =
      testing::RunCaseledger(cli, "report case --data " + g.data + " --case " + g.case_id +
                                      " --as-of " + as_of + " --out " + html);
  REQUIRE(code == 0);
  std::string json;
  std::tie(code, json) = testing::RunCaseledger(
      cli, "timeline --json --data " + g.data + " --case " + g.case_id + " --as-of " + as_of);
  REQUIRE(code == 0);
  const Multiset expected = TimelineObligations(json);
  REQUIRE(!expected.empty());

  const BrowserRun run = Chromium(dir, "--dump-dom", "file://" + html);
  CHECK(run.code == 0);
  CHECK(run.console.empty());
  INFO(run.console);
  size_t listed = 0;
  for (const auto& [key, n] : expected) listed += n;
  CHECK(Count(run.out, "class=\"obligation-bar\"") == listed);
  CHECK(DomBars(run.out) == expected);
  // Both the past (open, overdue) and the settled statuses appear at this time.
  std::set<std::string> statuses;
  for (const auto& [key, n] : expected) statuses.insert(key.second);
  CHECK(statuses.size() >= 2);
}

// A screenshot of `url` (a chart named by the fragment fills the window) with no console
// message; its colours, and how many pixels are the green of met obligations.
PngColours Screenshot(const testing::TempDir& dir, const std::string& url) {
  const std::string shot = dir.Sub("shot.png");
  std::remove(shot.c_str());
  const BrowserRun run =
      Chromium(dir, "--window-size=1200,700 --hide-scrollbars --screenshot=" + shot, url);
  INFO(url << "\n" << run.console);
  CHECK(run.console.empty());
  return Colours(shot, 0x2e7d32);
}

TEST_CASE("a screenshot of the case timeline chart is not blank", "[report][browser]") {
  if (!HaveBrowser()) return;
  testing::TempDir dir;
  // The proof that the check can fail: the same chart frame with nothing drawn in it.
  const std::string empty = dir.Sub("empty.html");
  std::ofstream(empty) << "<!DOCTYPE html><html><body><section id=\"chart\"></section></body>"
                          "</html>";
  const PngColours blank = Screenshot(dir, "file://" + empty + "#chart");
  REQUIRE(blank.ok);
  CHECK(blank.distinct <= 2);

  const Generated g = Generate(dir);
  const std::string html = dir.Sub("case.html");
  REQUIRE(testing::RunCaseledger(CASELEDGER_CLI, "report case --data " + g.data + " --case " +
                                                     g.case_id + " --as-of 2099-01-01 --out " +
                                                     html)
              .first == 0);
  const PngColours c = Screenshot(dir, "file://" + html + "#chart");
  REQUIRE(c.ok);
  CHECK(c.width == 1200);
  CHECK(c.distinct > 8);
  CHECK(c.of_colour > 100);
}

TEST_CASE("screenshots of the agency report's charts are not blank", "[report][browser]") {
  if (!HaveBrowser()) return;
  testing::TempDir dir;
  const Generated g = Generate(dir);
  const std::string html = dir.Sub("agency.html");
  REQUIRE(testing::RunCaseledger(CASELEDGER_CLI, "report agency --data " + g.data +
                                                     " --from 2020-01-01 --to 2030-01-01 "
                                                     "--as-of 2099-01-01 --out " +
                                                     html)
              .first == 0);
  for (const char* chart : {"#chart", "#distribution", "#trend"}) {
    const PngColours c = Screenshot(dir, "file://" + html + chart);
    REQUIRE(c.ok);
    CHECK(c.distinct > 8);
    CHECK(c.of_colour > 100);
  }
}

TEST_CASE("the case report prints on A4 landscape", "[report][browser]") {
  if (!HaveBrowser()) return;
  testing::TempDir dir;
  const Generated g = Generate(dir);
  const std::string html = dir.Sub("case.html"), pdf = dir.Sub("case.pdf");
  REQUIRE(testing::RunCaseledger(CASELEDGER_CLI, "report case --data " + g.data + " --case " +
                                                     g.case_id + " --as-of 2099-01-01 --out " +
                                                     html)
              .first == 0);
  const BrowserRun run =
      Chromium(dir, "--no-pdf-header-footer --print-to-pdf=" + pdf, "file://" + html);
  CHECK(run.console.empty());
  // Page boxes in points: A4 landscape is 842 x 595 (Chromium's default is Letter portrait,
  // 612 x 792, so the page's @page rule is what makes this pass).
  const std::string bytes = ReadFile(pdf);
  const size_t box = bytes.find("/MediaBox [0 0 ");
  REQUIRE(box != std::string::npos);
  std::istringstream dims(bytes.substr(box + 15, 40));
  double width = 0, height = 0;
  dims >> width >> height;
  CHECK(width == Approx(841.9).margin(1));
  CHECK(height == Approx(595.3).margin(1));  // 210 mm x 297 mm
}

}  // namespace
}  // namespace caseledger
