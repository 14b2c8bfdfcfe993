//! Checked-in output of specgate codegen for spec/identity-document.yaml (never edited by hand). Filled in by a later issue.
