//! Cross-site scripting in Python code (`DJS1xx`).

pub mod mark_safe;
