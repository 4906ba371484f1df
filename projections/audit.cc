// The named audit queries: their table, parameter checks, and running one (projections/audit.h;
// docs/audit.md says which question of obligations.md section 5 each answers).
#include "projections/audit.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <set>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/audit_internal.h"
#include "projections/projection_store.h"

namespace caseledger::projections {

namespace audit {

Result<std::vector<AuditRow>> RecordAccess(const Ledger& ledger,
                                           const Params& p);  // audit_access.cc

namespace {

AuditParamInfo Jurisdiction() {
  return {"jurisdiction", "the case's jurisdiction: DK, EE, FI, IS, LT, LV, NO or SE", "", false};
}
AuditParamInfo Agency(const std::string& which) { return {"agency", which, "", false}; }
AuditParamInfo From(const std::string& of) {
  return {"from", "period start (RFC 3339 or YYYY-MM-DD, inclusive) of " + of, "", false};
}
AuditParamInfo To(const std::string& of) {
  return {"to", "period end (RFC 3339 or YYYY-MM-DD, exclusive) of " + of, "", false};
}

const std::vector<std::string> kFindingColumns = {
    "case",   "jurisdiction",      "rule",           "issue", "trigger", "triggerAt", "dueAt",
    "status", "accountableAgency", "accountableRole"};

std::vector<QueryDef> BuildTable() {
  std::vector<QueryDef> t;
  auto add = [&](std::string name, std::string question, std::string summary,
                 std::vector<AuditParamInfo> params, std::vector<std::string> columns,
                 FactsQuery run) {
    t.push_back({{std::move(name), std::move(question), std::move(summary), std::move(params),
                  std::move(columns)},
                 run});
  };
  add("representative_wait", "5.1",
      "Children needing a representative: how long from identification to the first "
      "(provisional) representative or guardian, by identifying agency and year",
      {Jurisdiction(),
       Agency("the agency that identified the child"),
       From("identification"),
       To("identification"),
       {"hours", "threshold of the wait in hours", "24", false}},
      {"jurisdiction", "agency", "year", "cases", "overThreshold", "stillWaiting", "medianHours",
       "p90Hours"},
      RepresentativeWait);
  add("repeat_interviews", "5.2",
      "Children interviewed more than N times, with whether each repeat recorded a necessity "
      "reason and whether the interviewer stayed the same or the change was reasoned",
      {Jurisdiction(),
       Agency("an agency that recorded one of the interviews"),
       From("the first interview"),
       To("the first interview"),
       {"count", "N: list children with more interviews than this", "2", false}},
      {"case", "jurisdiction", "interviews", "repeats", "repeatsWithReason", "interviewers",
       "interviewerChanges", "changesWithoutReason"},
      RepeatInterviews);
  add("interview_delay", "5.3",
      "Crime report to first forensic interview: median and p90 hours per interviewing agency "
      "(Barnahus), against the deadline of the rule pack in force (R14)",
      {Jurisdiction(), Agency("the agency that recorded the first interview"),
       From("the crime report"), To("the crime report")},
      {"jurisdiction", "agency", "reports", "interviewed", "medianHours", "p90Hours",
       "deadlineHours", "overDeadline"},
      InterviewDelay);
  add("interview_information", "5.4",
      "Interviews held before the child was informed (R07B), or without an interpreter the "
      "child needed (R08)",
      {Jurisdiction(), Agency("the accountable agency"), From("the interview"),
       To("the interview")},
      kFindingColumns, InterviewInformation);
  add("interview_setting", "5.5",
      "Interviews not recorded audio-visually or held outside a Barnahus or child-adapted room, "
      "with the agency that recorded (decided) the interview",
      {Jurisdiction(), Agency("the agency that recorded the interview"), From("the interview"),
       To("the interview")},
      {"case", "jurisdiction", "interview", "at", "premises", "recorded", "agency"},
      InterviewSetting);
  add("age_disputes", "5.6",
      "Age disputes per jurisdiction and year: count, days to an assessment, methods used, and "
      "adult-track measures taken while the age was disputed (R01, R01B)",
      {Jurisdiction(), From("the dispute"), To("the dispute")},
      {"jurisdiction", "year", "disputes", "assessed", "medianDays", "p90Days", "methods",
       "adultTrackFirst"},
      AgeDisputes);
  add("reflection_removal", "5.7",
      "Presumed victims without a reflection period, or with one too short (R13, R13B); "
      "removals during identification or reflection (R12, R12B)",
      {Jurisdiction(), Agency("the accountable agency"), From("the trigger"), To("the trigger")},
      kFindingColumns, ReflectionRemoval);
  add("return_safeguards", "5.8",
      "Return decisions and transfers, with whether a best-interests determination (R11), a "
      "return risk assessment (R11B) and the child's views (R10) came first",
      {Jurisdiction(),
       Agency("the agency that decided"),
       From("the decision"),
       To("the decision"),
       {"all", "yes: list every decision, not only those lacking a safeguard", "no", false}},
      {"case", "jurisdiction", "decision", "decidedAt", "agency", "bid", "riskAssessment",
       "childViews"},
      ReturnSafeguards);
  add("missing_episodes", "5.9",
      "Missing children per jurisdiction: episodes, still missing, hours until the police were "
      "notified (R25), risk re-assessed after being found (R25C)",
      {Jurisdiction(), From("the case's identification"), To("the case's identification")},
      {"jurisdiction", "cases", "episodes", "stillMissing", "policeNoticeMedianHours",
       "policeNoticeLate", "reassessedLate"},
      MissingEpisodes);
  add("non_punishment", "5.10", "Children charged without a prior non-punishment assessment (R24)",
      {Jurisdiction(), Agency("the accountable agency"), From("the charge"), To("the charge")},
      kFindingColumns, NonPunishment);
  add("school_therapy_time", "5.11",
      "Days from identification to school enrolment (R23) and from an assessed need to therapy "
      "(R22B), per jurisdiction and the agency that provided it",
      {Jurisdiction(), Agency("the agency that enrolled or started therapy"), From("the trigger"),
       To("the trigger")},
      {"jurisdiction", "measure", "agency", "cases", "provided", "medianDays", "p90Days",
       "lateOrMissing"},
      SchoolTherapy);
  add("cp_clock_breaches", "5.12",
      "Child-protection clocks (R28 decision on a report, R28B investigation) per jurisdiction, "
      "accountable agency and rule",
      {Jurisdiction(), Agency("the accountable agency"), From("the trigger"), To("the trigger")},
      {"jurisdiction", "agency", "rule", "obligations", "met", "metLate", "breached", "overdue",
       "open"},
      ChildProtectionClocks);
  add("proceedings", "5.13",
      "Investigation and prosecution: days to a charge decision (R26) and from charge to trial "
      "(R26B) against the rule packs' limits; discontinuation and conviction counts",
      {Jurisdiction(), From("the crime report"), To("the crime report")},
      {"jurisdiction", "crimeReports", "chargeDecisionMedianDays", "chargeDecisionLate",
       "trialMedianDays", "trialLate", "discontinued", "verdicts", "convictions"},
      Proceedings);
  add("counsel_compensation", "5.14",
      "Share of interviewed children with free legal counsel before interview 1 (R20B); "
      "compensation claimed, awarded and paid",
      {Jurisdiction(), From("the first interview"), To("the first interview")},
      {"jurisdiction", "interviewed", "counselBefore", "counselBeforeShare", "claimed", "awarded",
       "paid"},
      CounselCompensation);
  add("guardians", "5.15",
      "Guardian changes, conflicts and hours to replace a conflicted guardian (R05), caseload "
      "cap breaches (R06)",
      {Jurisdiction(), From("the case's identification"), To("the case's identification")},
      {"jurisdiction", "casesWithRepresentative", "changes", "conflicts", "replaceMedianHours",
       "notReplacedInTime", "caseloadBreaches"},
      Guardians);
  add("cross_border", "5.16",
      "Cases transferred to another State: hours from the latest transnational referral to the "
      "transfer",
      {Jurisdiction(), From("the transfer"), To("the transfer")},
      {"case", "jurisdiction", "receivingState", "referralAt", "transferAt", "hours"}, CrossBorder);
  add("record_access", "5.17",
      "Who read a child's case record, when and why (its access stream), and every disclosure "
      "with its recipient and legal basis",
      {{"case", "the case id", "", true}, From("the access"), To("the access")},
      {"at", "kind", "accessor", "role", "purpose", "legalBasis", "recipient", "unsealed",
       "requestId"},
      nullptr);
  add("closures", "5.18", "Cases closed without a durable solution or transition plan (R29)",
      {Jurisdiction(), Agency("the accountable agency"), From("the closure"), To("the closure")},
      kFindingColumns, Closures);
  add("rule_findings", "any",
      "Every finding (breached, met late, overdue) of one rule, for questions the named queries "
      "do not cover",
      {{"rule", "a rule id of the rule packs, e.g. R09", "", true},
       Jurisdiction(),
       Agency("the accountable agency"),
       From("the trigger"),
       To("the trigger")},
      kFindingColumns, RuleFindings);
  return t;
}

Status Bad(const std::string& query, const std::string& message) {
  return Status::InvalidArgument("audit query " + query + ": " + message);
}

Result<int64_t> ParseWhen(const std::string& text) {
  if (text.size() == 10) return ParseRfc3339(text + "T00:00:00Z");
  return ParseRfc3339(text);
}

// Checks every parameter against the query's list and converts it.
Result<Params> Validate(const QueryDef& def, const AuditRequest& request,
                        std::map<std::string, std::string>* shown) {
  const std::string& q = def.info.name;
  std::string accepted;
  for (const auto& p : def.info.params) accepted += (accepted.empty() ? "" : ", ") + p.name;
  for (const auto& [name, value] : request.params) {
    bool known = false;
    for (const auto& p : def.info.params) known = known || p.name == name;
    if (!known) {
      return Bad(q, "no parameter \"" + name + "\" (it takes: " + accepted + ")");
    }
  }
  Params p;
  for (const auto& info : def.info.params) {
    auto given = request.params.find(info.name);
    const bool has = given != request.params.end() && !given->second.empty();
    if (!has && info.required) return Bad(q, "parameter \"" + info.name + "\" is required");
    const std::string value = has ? given->second : info.default_value;
    if (value.empty()) continue;
    (*shown)[info.name] = value;
    const std::string& n = info.name;
    if (n == "jurisdiction") {
      std::string code = value;
      for (auto& ch : code) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      static const char* kCodes[] = {"DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"};
      if (std::find_if(std::begin(kCodes), std::end(kCodes),
                       [&](const char* c) { return code == c; }) == std::end(kCodes)) {
        return Bad(q, "jurisdiction \"" + value + "\" is none of DK, EE, FI, IS, LT, LV, NO, SE");
      }
      p.jurisdiction = code;
      (*shown)[n] = code;
    } else if (n == "agency") {
      p.agency = value;
    } else if (n == "from" || n == "to") {
      auto t = ParseWhen(value);
      if (!t.ok()) return Bad(q, n + " \"" + value + "\" is not RFC 3339 or YYYY-MM-DD");
      (n == "from" ? p.from : p.to) = *t;
    } else if (n == "hours") {
      double h = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), h);
      if (ec != std::errc() || end != value.data() + value.size() || !(h > 0) ||
          !std::isfinite(h)) {
        return Bad(q, "hours \"" + value + "\" is not a positive number");
      }
      p.hours = h;
    } else if (n == "count") {
      int64_t c = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), c);
      if (ec != std::errc() || end != value.data() + value.size() || c < 0) {
        return Bad(q, "count \"" + value + "\" is not a whole number of 0 or more");
      }
      p.count = c;
    } else if (n == "all") {
      if (value != "yes" && value != "no") return Bad(q, "all \"" + value + "\" is not yes or no");
      p.all = value == "yes";
    } else if (n == "case") {
      p.case_id = value;
    } else if (n == "rule") {
      p.rule = value;
      for (char& c : p.rule) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  if (p.from >= p.to) return Bad(q, "from must be before to");
  return p;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const std::vector<QueryDef>& QueryTable() {
  // Built once, never changed: a constant table, not a registry filled at start-up.
  static const std::vector<QueryDef> table = BuildTable();
  return table;
}

}  // namespace audit

std::vector<AuditQueryInfo> AuditQueries() {
  std::vector<AuditQueryInfo> out;
  for (const auto& def : audit::QueryTable()) out.push_back(def.info);
  return out;
}

Result<AuditResult> RunAuditQuery(const ProjectionStore& store, const Ledger& ledger,
                                  const AuditRequest& request) {
  const audit::QueryDef* def = nullptr;
  std::string names;
  for (const auto& d : audit::QueryTable()) {
    if (d.info.name == request.name) def = &d;
    names += (names.empty() ? "" : ", ") + d.info.name;
  }
  if (def == nullptr) {
    return Status::InvalidArgument("no audit query named \"" + request.name +
                                   "\" (there are: " + names + ")");
  }
  AuditResult result;
  result.query = def->info.name;
  if (auto note = ledger.GetCheckpoint(); note.ok()) {
    auto checkpoint = ParseCheckpointUnverified(*note);
    if (!checkpoint.ok()) return checkpoint.status().WithContext("newest checkpoint");
    result.checkpoint_size = checkpoint->size;
  } else if (!note.status().IsNotFound()) {
    return note.status();
  }
  result.columns = def->info.columns;
  auto params = audit::Validate(*def, request, &result.params);
  if (!params.ok()) return params.status();
  params->as_of = request.as_of.value_or(audit::NowMicros());
  result.as_of = params->as_of;
  if (def->run == nullptr) {
    // Read from the ledger itself, not the projections: as of the log's size now.
    result.position = ledger.size();
    auto rows = audit::RecordAccess(ledger, *params);
    if (!rows.ok()) return rows.status();
    result.rows = std::move(*rows);
    return result;
  }
  auto table = store.AuditFacts(request.min_position);
  if (!table.ok()) return table.status();
  result.position = (*table)->position;
  if (!params->rule.empty()) {
    // A rule no case has an obligation of is a typo or a rule no pack in force defines: say
    // so rather than answer "no findings".
    auto id = (*table)->pool.Find(params->rule);
    if (!id || !(*table)->by_rule.count(*id)) {
      return Status::InvalidArgument("audit query " + request.name + ": rule \"" +
                                     params->rule +
                                     "\" has no obligation in any case (rule ids as in "
                                     "`caseledger rules list`, e.g. R09, R13B, LR)");
    }
  }
  def->run(**table, *params, &result);
  return result;
}

std::vector<std::string> StreamsBehind(const Ledger& ledger, const AuditResult& result) {
  std::set<std::string> streams;
  for (const auto& row : result.rows) streams.insert(row.case_ids.begin(), row.case_ids.end());
  if (result.query == "record_access") {
    std::vector<std::string> access;
    for (const auto& case_id : streams) {
      const std::string stream = "access:" + case_id;
      if (ledger.GetStream(stream).ok()) access.push_back(stream);
    }
    streams.insert(access.begin(), access.end());
  }
  return {streams.begin(), streams.end()};
}

}  // namespace caseledger::projections
