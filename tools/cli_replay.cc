// `caseledger replay`: the case as the ledger knew it at a point (events recorded by then) next
// to the case as things had happened by then (events that occurred by then, as known now), and
// `--diff A B`: what the ledger learnt between two points.
#include "tools/cli_replay.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <memory>

#include "ledger/event_json.h"
#include "ledger/hash.h"
#include "ledger/time_format.h"
#include "projections/case_diff.h"
#include "tools/cli_internal.h"
#include "tools/cli_projection_open.h"

namespace caseledger::cli {

using detail::Fail;
using detail::JsonString;
using projections::CaseState;
using projections::ReplayPoint;

namespace {

// A point of the log's history: a global position (the events before it) or a time.
struct Point {
  std::string text;
  bool is_position = false;
  uint64_t position = 0;
  int64_t micros = 0;  // for a position: the recorded-at of the newest event before it
};

Result<Point> ParsePoint(const Ledger& ledger, const std::string& text) {
  Point p;
  p.text = text;
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits) {
    auto t = detail::ParseTime(text);
    if (!t.ok()) {
      return Status::InvalidArgument("\"" + text + "\" is neither a position nor a time: " +
                                     t.status().message());
    }
    p.micros = *t;
    return p;
  }
  p.is_position = true;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p.position);
  if (ec != std::errc() || end != text.data() + text.size() || p.position > ledger.size()) {
    return Status::InvalidArgument("position " + text + " is past the end of the log (" +
                                   std::to_string(ledger.size()) + " events)");
  }
  if (p.position > 0) {
    auto e = ledger.ReadEvent(p.position - 1);
    if (!e.ok()) return e.status();
    p.micros = e->reader().getRecordedAt();
  }
  return p;
}

// Whether the ledger knew `e` at point `p`.
bool Knew(const Point& p, const StoredEvent& e) {
  return p.is_position ? e.position() < p.position : e.reader().getRecordedAt() <= p.micros;
}

ReplayPoint Recorded(const Point& p) {
  ReplayPoint r;
  r.kind = p.is_position ? ReplayPoint::Kind::kPosition : ReplayPoint::Kind::kRecordedBy;
  r.position = p.position;
  r.micros = p.micros;
  return r;
}

// The case at `point`; an empty state when the ledger had no event of it then.
Result<CaseState> ReplayOrEmpty(const projections::ProjectionStore& store,
                                const std::string& case_id, const ReplayPoint& point) {
  auto state = store.Replay(case_id, point);
  if (state.ok() || !state.status().IsNotFound()) return state;
  CaseState empty;
  empty.case_id = case_id;
  return empty;
}

std::string EventSummary(const StoredEvent& e) {
  auto r = e.reader();
  return "v" + std::to_string(r.getStreamVersion()) + " " + EventTypeName(r) + " by " +
         r.getAgencyId().cStr() + ", occurred " + FormatRfc3339(r.getOccurredAt()) +
         ", recorded " + FormatRfc3339(r.getRecordedAt()) + " (position " +
         std::to_string(e.position()) + ")";
}

// What an event the ledger learnt between A and B means: late-recorded (it had happened by A),
// and which earlier event it corrects.
struct Learnt {
  const StoredEvent* event;
  bool late = false;
  std::string corrects;  // "v3 guardianAppointed", or ""
};

std::vector<Learnt> LearntBetween(const std::vector<StoredEvent>& events, const Point& a,
                                  const Point& b) {
  std::vector<Learnt> out;
  for (const auto& e : events) {
    if (Knew(a, e) || !Knew(b, e)) continue;
    Learnt l{&e, false, ""};
    auto r = e.reader();
    l.late = r.getOccurredAt() <= a.micros;
    if (r.hasSupersedes()) {
      const auto target = r.getSupersedes();
      for (const auto& o : events) {
        auto id = o.reader().getEventId();
        if (id.size() == target.size() && std::equal(id.begin(), id.end(), target.begin())) {
          l.corrects = "v" + std::to_string(o.reader().getStreamVersion()) + " " +
                       EventTypeName(o.reader());
        }
      }
      if (l.corrects.empty()) l.corrects = "event " + ToHex({target.begin(), target.size()});
    }
    out.push_back(l);
  }
  return out;
}

std::string LearntJson(const Learnt& l) {
  auto r = l.event->reader();
  return "{\"position\":" + std::to_string(l.event->position()) +
         ",\"version\":" + std::to_string(r.getStreamVersion()) +
         ",\"type\":" + JsonString(EventTypeName(r)) +
         ",\"agency\":" + JsonString(r.getAgencyId().cStr()) +
         ",\"occurredAt\":" + JsonString(FormatRfc3339(r.getOccurredAt())) +
         ",\"recordedAt\":" + JsonString(FormatRfc3339(r.getRecordedAt())) +
         ",\"lateRecorded\":" + (l.late ? "true" : "false") +
         ",\"corrects\":" + (l.corrects.empty() ? "null" : JsonString(l.corrects)) + "}";
}

std::string StateJson(const CaseState& s, int64_t as_of) {
  return "{\"position\":" + std::to_string(s.position) +
         ",\"events\":" + std::to_string(s.view.event_count()) +
         ",\"view\":" + (s.view.event_count() ? s.view.ToJson() : "null") +
         ",\"timeline\":" + projections::TimelineJson(s, as_of) + "}";
}

void PrintState(const CaseState& s, int64_t as_of, std::ostream& out) {
  if (s.view.event_count() == 0) {
    out << "  (no event of this case)\n";
    return;
  }
  out << s.view.ToText() << "\n";
  detail::PrintTimelineTable(s, as_of, out);
}

int ReplayAt(const detail::Opened& o, const ReplayArgs& args, std::ostream& out,
             std::ostream& err) {
  auto point = ParsePoint(*o.ledger, args.as_of);
  if (!point.ok()) return Fail(err, point.status());
  auto events = o.ledger->ReadStream(args.case_id, 0, SIZE_MAX);
  if (!events.ok()) return Fail(err, events.status());
  auto recorded = ReplayOrEmpty(*o.store, args.case_id, Recorded(*point));
  if (!recorded.ok()) return Fail(err, recorded.status());
  std::optional<CaseState> occurred;
  std::vector<const StoredEvent*> late;  // occurred by the point, recorded after it
  {
    // For a position, "then" is when the ledger reached it: its newest event's recorded-at.
    ReplayPoint p{ReplayPoint::Kind::kOccurredBy, 0, point->micros};
    auto s = ReplayOrEmpty(*o.store, args.case_id, p);
    if (!s.ok()) return Fail(err, s.status());
    occurred = std::move(*s);
    for (const auto& e : *events) {
      if (e.reader().getOccurredAt() <= point->micros && !Knew(*point, e)) late.push_back(&e);
    }
  }
  const int64_t as_of = point->micros;
  if (args.json) {
    out << "{\"case\":" << JsonString(args.case_id) << ",\"point\":" << JsonString(point->text)
        << ",\"asOf\":" << JsonString(FormatRfc3339(as_of))
        << ",\"recorded\":" << StateJson(*recorded, as_of);
    if (occurred) {
      out << ",\"occurred\":" << StateJson(*occurred, as_of) << ",\"recordedLater\":[";
      for (size_t i = 0; i < late.size(); ++i) {
        out << (i ? "," : "") << LearntJson(Learnt{late[i], true, ""});
      }
      out << "]";
    }
    out << "}\n";
    return kExitOk;
  }
  out << "case " << args.case_id << " at "
      << (point->is_position ? "position " + point->text
                             : recorded->calendar.FormatLocal(as_of))
      << "\n\n== As the ledger knew it then (events recorded "
      << (point->is_position ? "before position " + point->text : "by then") << ")\n";
  PrintState(*recorded, as_of, out);
  if (occurred) {
    out << "\n== As things had happened by then (events that occurred by then, as known now)\n";
    if (!late.empty()) {
      out << late.size() << " of them were recorded only later:\n";
      for (const auto* e : late) out << "  " << EventSummary(*e) << "\n";
    }
    PrintState(*occurred, as_of, out);
  }
  return kExitOk;
}

int ReplayDiff(const detail::Opened& o, const ReplayArgs& args, std::ostream& out,
               std::ostream& err) {
  auto a = ParsePoint(*o.ledger, args.diff[0]);
  if (!a.ok()) return Fail(err, a.status());
  auto b = ParsePoint(*o.ledger, args.diff[1]);
  if (!b.ok()) return Fail(err, b.status());
  const bool reversed = a->is_position && b->is_position ? a->position > b->position
                                                         : a->micros > b->micros;
  if (reversed) {
    return Fail(err, Status::InvalidArgument("--diff A B: A (" + a->text +
                                             ") comes after B (" + b->text + ")"));
  }
  auto events = o.ledger->ReadStream(args.case_id, 0, SIZE_MAX);
  if (!events.ok()) return Fail(err, events.status());
  auto sa = ReplayOrEmpty(*o.store, args.case_id, Recorded(*a));
  if (!sa.ok()) return Fail(err, sa.status());
  auto sb = ReplayOrEmpty(*o.store, args.case_id, Recorded(*b));
  if (!sb.ok()) return Fail(err, sb.status());
  const auto learnt = LearntBetween(*events, *a, *b);
  const auto obligations = projections::DiffObligations(*sa, a->micros, *sb, b->micros);
  const auto view = projections::DiffViews(sa->view, sb->view);
  if (args.json) {
    out << "{\"case\":" << JsonString(args.case_id) << ",\"from\":" << JsonString(a->text)
        << ",\"to\":" << JsonString(b->text) << ",\"events\":[";
    for (size_t i = 0; i < learnt.size(); ++i) out << (i ? "," : "") << LearntJson(learnt[i]);
    out << "],\"obligations\":[";
    for (size_t i = 0; i < obligations.size(); ++i) {
      const auto& c = obligations[i];
      out << (i ? "," : "") << "{\"change\":"
          << JsonString(projections::ObligationChangeKindName(c.kind))
          << ",\"rule\":" << JsonString(c.rule_id) << ",\"limit\":" << JsonString(c.limit_name)
          << ",\"trigger\":" << JsonString(c.trigger_event_id)
          << ",\"triggerType\":" << JsonString(c.trigger_type)
          << ",\"statusBefore\":" << JsonString(c.status_before)
          << ",\"statusAfter\":" << JsonString(c.status_after)
          << ",\"dueBefore\":" << JsonString(c.due_before)
          << ",\"dueAfter\":" << JsonString(c.due_after)
          << ",\"metBefore\":" << JsonString(c.met_before)
          << ",\"metAfter\":" << JsonString(c.met_after) << "}";
    }
    out << "],\"view\":[";
    for (size_t i = 0; i < view.size(); ++i) {
      out << (i ? "," : "") << "{\"field\":" << JsonString(view[i].path)
          << ",\"before\":" << JsonString(view[i].before)
          << ",\"after\":" << JsonString(view[i].after) << "}";
    }
    out << "]}\n";
    return kExitOk;
  }
  out << "case " << args.case_id << ": what the ledger learnt from " << a->text << " to "
      << b->text << "\n\n== Events recorded in between (" << learnt.size() << ")\n";
  for (const auto& l : learnt) {
    out << "  " << EventSummary(*l.event);
    if (l.late) out << "  [late-recorded: it had occurred by " << a->text << "]";
    if (!l.corrects.empty()) out << "  [corrects " << l.corrects << "]";
    out << "\n";
  }
  out << "\n== Obligations (" << obligations.size() << " changed)\n";
  for (const auto& c : obligations) {
    out << "  " << c.rule_id << (c.limit_name.empty() ? "" : " (" + c.limit_name + ")")
        << " on " << c.trigger_type << ": ";
    switch (c.kind) {
      case projections::ObligationChange::Kind::kArose:
        out << "arose, " << c.status_after << ", due " << c.due_after << ", met " << c.met_after;
        break;
      case projections::ObligationChange::Kind::kWent:
        out << "went (was " << c.status_before << ", due " << c.due_before << ")";
        break;
      case projections::ObligationChange::Kind::kChanged:
        out << c.status_before << " -> " << c.status_after;
        if (c.due_before != c.due_after) out << ", due " << c.due_before << " -> " << c.due_after;
        if (c.met_before != c.met_after) out << ", met " << c.met_before << " -> " << c.met_after;
        break;
    }
    out << "\n";
  }
  out << "\n== Case view (" << view.size() << " fields changed)\n";
  for (const auto& v : view) out << "  " << v.path << ": " << v.before << " -> " << v.after << "\n";
  return kExitOk;
}

}  // namespace

int RunReplay(const ReplayArgs& args, std::ostream& out, std::ostream& err) {
  if (args.as_of.empty() == args.diff.empty()) {
    err << "caseledger: replay needs exactly one of --as-of POINT or --diff A B\n";
    return kExitUsage;
  }
  auto opened = detail::OpenProjections(args.data_dir, err, false);
  if (!opened.ok()) return Fail(err, opened.status());
  if (auto head = opened->ledger->GetStream(args.case_id); !head.ok()) {
    return Fail(err, head.status());
  }
  return args.diff.empty() ? ReplayAt(*opened, args, out, err)
                           : ReplayDiff(*opened, args, out, err);
}

std::function<std::optional<int>()> AddReplayCommand(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  auto* cmd = app.add_subcommand(
      "replay",
      "A case as it stood at a point: as the ledger knew it then (recorded-at) and as things "
      "had happened by then (occurred-at); or with --diff, what changed between two points");
  cmd->add_option("--data", args->data_dir, "Data directory")->required();
  cmd->add_option("--case", args->case_id, "Case id")->required();
  auto* as_of = cmd->add_option("--as-of", args->as_of,
                                "The point: RFC 3339 time, YYYY-MM-DD, or a global position");
  auto* diff = cmd->add_option("--diff", args->diff,
                               "Two points A B: events learnt in between (late-recorded ones "
                               "and corrections marked), obligations and view fields changed")
                   ->expected(2);
  as_of->excludes(diff);
  cmd->add_flag("--json", args->json, "JSON instead of text");
  return [cmd, args]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    return RunReplay(*args, std::cout, std::cerr);
  };
}

}  // namespace caseledger::cli
