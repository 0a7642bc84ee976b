//! sasd
