//! Rule files: the model (groups, rules, every field with its key and value node), strict
//! structure validation helpers, dialects, durations, names and Go templates.

pub mod duration;
pub mod names;
pub mod template;
