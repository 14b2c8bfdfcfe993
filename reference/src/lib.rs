//! Reference implementation of the identity-document endpoint on the generated trait. Filled in by a later issue.
