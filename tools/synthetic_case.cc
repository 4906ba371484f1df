// From a planned case to what the run keeps of it: recorded-at times, the stream order, the
// compact steps, and the case's entry in the manifest (format: the top of synthetic.cc).
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "ledger/hash.h"
#include "ledger/time_format.h"
#include "tools/synthetic_planner.h"

namespace caseledger::synthetic::detail {

using schema::Answer;

const char* DevName(Dev d) {
  switch (d) {
    case Dev::kLate:
      return "late";
    case Dev::kMissing:
      return "missing";
    case Dev::kLateRecorded:
      return "lateRecorded";
    case Dev::kOutOfOrder:
      return "outOfOrder";
    case Dev::kNone:
      break;
  }
  return "none";
}

namespace {

int64_t RecordingDelay(PlanRandom& rng, bool late) {
  if (late) return rng.Between(3 * kDay, 42 * kDay);
  const double r = rng.Real();
  if (r < 0.8) return rng.Between(2 * kMinute, 2 * kHour);
  if (r < 0.98) return rng.Between(2 * kHour, 8 * kHour);
  return rng.Between(8 * kHour, 20 * kHour);
}

const char* AnswerName(Answer a) {
  switch (a) {
    case Answer::YES:
      return "yes";
    case Answer::NO:
      return "no";
    case Answer::UNKNOWN:
      return "unknown";
    default:
      return "unspecified";
  }
}

void AppendString(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":\"";
  out += value;  // our values never need escaping
  out += '"';
}

}  // namespace

void PlanCase(CasePlan& plan, Child& child, double late_share, std::vector<Step>& out,
              std::string& manifest) {
  Planner p(plan, child, late_share);
  p.Run();
  auto& steps = p.steps;
  // Links are one byte; a plan has well under a hundred steps (at most about 60 seen).
  if (steps.size() >= kNoLink) throw std::logic_error("synthetic: a case planned too many steps");

  // Recorded-at: each step soon after it occurred, late-recorded ones days or weeks after,
  // decisions with the views heard for them, corrections after what they correct.
  PlanRandom rng(Mix64(plan.key ^ 0x5bd1e995ull));
  for (auto& s : steps) {
    if (s.record_with < 0 && !(s.flags & kCorrection))
      s.rec = s.at + RecordingDelay(rng, s.late_recorded);
  }
  for (auto& s : steps) {
    if (s.flags & kCorrection) s.rec = steps[s.link].rec + rng.Between(kHour, 3 * kDay);
    if (s.record_with < 0) continue;
    const PlanStep& partner = steps[s.record_with];
    s.rec = partner.late_recorded ? s.at + RecordingDelay(rng, false) : std::max(s.at, partner.rec);
  }

  // Stream order: by recorded-at, then occurred-at, then plan order.
  std::vector<int> order(steps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (steps[a].rec != steps[b].rec) return steps[a].rec < steps[b].rec;
    return steps[a].at < steps[b].at;
  });
  std::vector<int> position(steps.size());
  for (size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);

  // Orderings that the timeline breaks as a side effect (a late counsel after interview 1).
  auto first_of = [&](EventType type, uint8_t seq = 0) {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].type == type && !(steps[i].flags & kCorrection) &&
          (seq == 0 || steps[i].seq == seq)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };
  const int interview = first_of(EventType::FORENSIC_INTERVIEW_CONDUCTED, 1);
  if (interview >= 0) {
    const std::pair<EventType, int> kBefore[] = {{EventType::INFORMATION_PROVIDED_TO_CHILD, 7},
                                                 {EventType::LEGAL_COUNSEL_APPOINTED, 20}};
    for (auto [type, rule] : kBefore) {
      const int i = first_of(type);
      if (i >= 0 && steps[i].at > steps[interview].at) {
        p.deviations.push_back({steps[interview].type, Dev::kOutOfOrder, rule, interview, 0, type});
      }
    }
  }

  plan.first_step = static_cast<uint32_t>(out.size());
  plan.step_count = static_cast<uint16_t>(steps.size());
  for (int i : order) {
    const PlanStep& s = steps[i];
    Step c;
    c.occurred = static_cast<uint32_t>(s.at - plan.base);
    c.recorded = static_cast<uint32_t>(s.rec - plan.base);
    c.type = static_cast<uint8_t>(s.type);
    c.seq = s.seq;
    c.variant = s.variant;
    c.flags = s.flags;
    c.link = s.link >= 0 ? static_cast<uint8_t>(position[s.link]) : kNoLink;
    c.param = s.param;
    out.push_back(c);
  }

  // The manifest entry (format: the top of synthetic.cc).
  const CaseFacts& f = plan.facts;
  std::string& m = manifest;
  m += '{';
  AppendString(m, "caseId", CaseIdOf(plan));
  m += ',';
  AppendString(m, "childId", ChildIdOf(child));
  m += ',';
  AppendString(m, "jurisdiction", InfoFor(plan.jurisdiction).iso);
  m += ',';
  AppendString(m, "identifiedAt", FormatRfc3339(steps[p.identification].at * kMicrosPerSecond));
  m += ',';
  AppendString(m, "closedAt", FormatRfc3339(plan.closed_at * kMicrosPerSecond));
  m += ",\"events\":" + std::to_string(steps.size());
  m += ",\"facts\":{\"ageYears\":" + std::to_string(f.age) + ',';
  AppendString(m, "unaccompanied", AnswerName(f.unaccompanied));
  m += ',';
  AppendString(m, "parentalConflictOfInterest", AnswerName(f.conflict));
  m += ',';
  AppendString(m, "foreignNational", AnswerName(f.foreign));
  m += ',';
  AppendString(m, "lawfulStay", AnswerName(f.lawful_stay));
  m += ",\"needsInterpreter\":";
  m += f.needs_interpreter ? "true" : "false";
  m += ",\"ageDisputed\":";
  m += f.age_disputed ? "true" : "false";
  m += ",\"crimeReported\":";
  m += f.crime_reported ? "true" : "false";
  m += ",\"violence\":";
  m += f.violence ? "true" : "false";
  m += ",\"placed\":";
  m += f.placed ? "true" : "false";
  m += ",\"returned\":";
  m += f.return_path ? "true" : "false";
  m += "},\"deviations\":[";
  for (size_t k = 0; k < p.deviations.size(); ++k) {
    const Deviation& d = p.deviations[k];
    if (k) m += ',';
    m += '{';
    AppendString(m, "step", EventTypeName(d.step));
    m += ',';
    AppendString(m, "kind", DevName(d.kind));
    char rule[8];
    std::snprintf(rule, sizeof(rule), "R%02d", d.rule);
    m += ',';
    AppendString(m, "rule", rule);
    if (d.index >= 0) {
      const std::string id = EventIdOf(plan, position[d.index]);
      m += ',';
      AppendString(m, "eventId", ToHex(AsBytes(id)));
    }
    if (d.kind == Dev::kLate) {
      m += ',';
      AppendString(m, "dueAt", FormatRfc3339(d.due * kMicrosPerSecond));
    }
    if (d.index >= 0) {
      m += ',';
      AppendString(m, "occurredAt", FormatRfc3339(steps[d.index].at * kMicrosPerSecond));
    }
    if (d.kind == Dev::kLateRecorded) {
      m += ',';
      AppendString(m, "recordedAt", FormatRfc3339(steps[d.index].rec * kMicrosPerSecond));
    }
    if (d.other != EventType::UNSPECIFIED) {
      m += ',';
      AppendString(m, d.kind == Dev::kOutOfOrder ? "before" : "for", EventTypeName(d.other));
    }
    m += '}';
  }
  m += "]}";
}

}  // namespace caseledger::synthetic::detail
