#include "tools/hostile_client_report.h"

#include "tools/bench_daemon.h"

namespace caseledger::bench {

namespace {

// Substrings of caseledgerd's log lines (server/session.cc, server/server.cc), one per kind of
// refusal.
constexpr char kLineRefusedConnection[] = "refusing a connection";
constexpr char kLineTlsFailed[] = "TLS handshake failed";
constexpr char kLineHandshakeTimeout[] = "no TLS handshake and hello in time";
constexpr char kLineClosingAfterError[] = "closing after error";
constexpr char kLineRequestRefused[] = " refused: ";

uint64_t CountLines(const std::string& log, const std::string& needle) {
  uint64_t n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

// How many outcomes whose text contains `needle` the attacks saw.
uint64_t Saw(const std::vector<PhaseResult>& phases, const std::string& needle) {
  uint64_t n = 0;
  for (const auto& p : phases) {
    for (const auto& r : p.reports) {
      for (const auto& [outcome, count] : r.outcomes) {
        if (outcome.find(needle) != std::string::npos) n += count;
      }
    }
  }
  return n;
}

double Mib(int64_t kib) { return kib / 1024.0; }

}  // namespace

ServerCounts CountsBetween(const std::map<std::string, double>& before,
                           const std::map<std::string, double>& after) {
  auto delta = [&](const std::string& prefix) { return SumOf(after, prefix) - SumOf(before, prefix); };
  ServerCounts c;
  c.connections_refused = delta("caseledger_connections_refused_total");
  c.handshake_failures = delta("caseledger_handshake_failures_total");
  c.error_replies = delta("caseledger_errors_total");
  c.known = true;
  return c;
}

bool PrintPhases(FILE* out, const std::vector<PhaseResult>& phases, const PassBounds& bounds) {
  bool ok = true;
  // The bound scales the baseline's median, not its p99: on a shared machine one stall in the
  // baseline would make a p99-based bound meaningless.
  const int64_t base_p50 = phases.empty() ? 0 : phases[0].good_stats.p50;
  for (const auto& p : phases) {
    std::fprintf(out, "\n== %s\n", p.name.c_str());
    for (const auto& r : p.reports) {
      std::fprintf(out, "  %-10s %6llu connections\n", r.name.c_str(),
                   static_cast<unsigned long long>(r.connections));
      for (const auto& [outcome, count] : r.outcomes) {
        std::fprintf(out, "    %8llu  %s\n", static_cast<unsigned long long>(count), outcome.c_str());
      }
      for (const auto& v : r.violations) {
        std::fprintf(out, "    VIOLATION: %s\n", v.c_str());
        ok = false;
      }
    }
    const WindowStats& g = p.good_stats;
    const double bound_ms = bounds.latency_factor * base_p50 / 1e6 + bounds.latency_slack_ms;
    const bool latency_ok = g.errors == 0 && g.count > 0 && g.p99 / 1e6 <= bound_ms;
    const bool rss_ok = Mib(p.rss_peak_kib.load()) <= bounds.max_rss_mib;
    std::fprintf(out,
                 "  server: RSS before %.1f MiB, peak %.1f MiB, after %.1f MiB (bound %.0f): %s; "
                 "same process alive: %s; answers a new client: %s%s\n",
                 Mib(p.rss_before_kib), Mib(p.rss_peak_kib.load()), Mib(p.rss_after_kib),
                 bounds.max_rss_mib, rss_ok ? "ok" : "FAILED", p.alive ? "yes" : "NO",
                 p.answers ? "yes" : "NO", p.answer_error.empty() ? "" : (" (" + p.answer_error + ")").c_str());
    std::fprintf(out,
                 "  good client: %llu calls, %llu errors, p50 %.2f ms, p99 %.2f ms (baseline p50 "
                 "%.2f ms; p99 bound %.0f ms): %s%s%s\n",
                 static_cast<unsigned long long>(g.count), static_cast<unsigned long long>(g.errors),
                 g.p50 / 1e6, g.p99 / 1e6, base_p50 / 1e6, bound_ms, latency_ok ? "ok" : "FAILED",
                 g.errors ? "; first error: " : "", g.first_error.c_str());
    ok = ok && latency_ok && rss_ok && p.alive && p.answers;
  }
  return ok;
}

bool PrintLogChecks(FILE* out, const std::vector<PhaseResult>& phases, const ServerCounts& counts,
                    const std::string& log, const std::string& marker) {
  const uint64_t refused_lines = CountLines(log, kLineRefusedConnection);
  const uint64_t tls_lines = CountLines(log, kLineTlsFailed);
  const uint64_t timeout_lines = CountLines(log, kLineHandshakeTimeout);
  const uint64_t closing_lines = CountLines(log, kLineClosingAfterError);
  const uint64_t request_lines = CountLines(log, kLineRequestRefused);
  std::fprintf(out, "\n== refusals: the server's counts (/metrics), what the attacks saw, log lines\n");
  std::fprintf(out, "%-44s %10s %10s %10s  %s\n", "kind", "counted", "saw", "logged", "check");
  bool ok = counts.known;
  auto row = [&](const char* kind, double counted, uint64_t saw, uint64_t logged, bool good) {
    std::fprintf(out, "%-44s %10.0f %10llu %10llu  %s\n", kind, counted,
                 static_cast<unsigned long long>(saw), static_cast<unsigned long long>(logged),
                 good ? "ok" : "FAILED");
    ok = ok && good;
  };
  // Over the connection limit: closed at once, one line each.
  const uint64_t saw_refused = Saw(phases, "at once (over max_connections)");
  row("connection over max_connections", counts.connections_refused, saw_refused, refused_lines,
      refused_lines >= counts.connections_refused && refused_lines >= saw_refused);
  // Failed TLS handshakes and refused hellos: a handshake line or a closing line each.
  row("TLS handshake or hello refused", counts.handshake_failures, Saw(phases, "before TLS"),
      tls_lines, tls_lines + closing_lines >= counts.handshake_failures);
  // Connections that never finished their handshake.
  // ("closed before its first byte" is a connection refused over the limit, logged as such;
  // one that the server refused after its first byte was sent shows as closed by the server,
  // so refusal lines beyond those the flood saw may stand for it.)
  const uint64_t saw_timeouts = Saw(phases, "stalled handshake: closed by the server") +
                                Saw(phases, "held, then closed by the server (handshake timeout)");
  const uint64_t spare_refusals = refused_lines > saw_refused ? refused_lines - saw_refused : 0;
  row("no handshake in time (handshake timeout)", 0, saw_timeouts, timeout_lines,
      timeout_lines + spare_refusals >= saw_timeouts);
  // Error replies: a request refused (the connection goes on) or an error before a close.
  row("error replies (request refused or close)", counts.error_replies,
      Saw(phases, "PermissionDenied") + Saw(phases, " reply") - Saw(phases, "success reply"),
      request_lines + closing_lines, request_lines + closing_lines >= counts.error_replies);
  const uint64_t leaks = CountLines(log, marker);
  std::fprintf(out, "check personal data: the marker %s (in every event's personal data and in "
               "the garbage) appears %llu times in the server log (%zu bytes): %s\n",
               marker.c_str(), static_cast<unsigned long long>(leaks), log.size(),
               leaks == 0 ? "ok" : "FAILED");
  return ok && leaks == 0;
}

}  // namespace caseledger::bench
