# Enumerations shared by the envelope and the bodies.
#
# PERSISTED FORMAT: enumerant numbers are never renumbered or reused.
@0x9cf7f0cf4dbdfdd9;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";

enum DataClass {
  # Persisted, never renumber.
  unspecified @0;
  ordinary @1;
  health @2;     # GDPR Art 9
  criminal @3;   # GDPR Art 10 / Law Enforcement Directive
}

enum Jurisdiction {
  # Persisted, never renumber. JSON uses the ISO 3166 code.
  unspecified @0;
  dk @1 $Json.name("DK");
  ee @2 $Json.name("EE");
  fi @3 $Json.name("FI");
  lv @4 $Json.name("LV");
  lt @5 $Json.name("LT");
  se @6 $Json.name("SE");
  no @7 $Json.name("NO");
  is @8 $Json.name("IS");
  eu @9 $Json.name("EU");
  # Not a state: the EU and Council of Europe minimums. Only the activation of the baseline rule
  # pack carries it; validation refuses it on every other event.
}

enum AgencyRole {
  # Persisted, never renumber.
  unspecified @0;
  police @1;
  prosecution @2;
  court @3;
  childProtection @4;
  barnahus @5;
  migration @6;
  guardianship @7;
  health @8;
  nrmBody @9;
  legalAid @10;
  education @11;
  borderGuard @12;
  ombuds @13;        # read-only oversight
  placement @14;     # the care placement (residential unit, foster home)
  compensationAuthority @15;
  system @16;        # the ledger itself (access records, commitments)
}
