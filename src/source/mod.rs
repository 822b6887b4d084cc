//! Sources: where added lines come from. Each module lists cheap jobs and reads them into
//! [`crate::input::Unit`]s through a [`crate::input::Reader`]; none of them scans, applies
//! policy or reports (a test checks that no file here imports those layers).
//!
//! | module | what it reads |
//! |---|---|
//! | [`repo`] | opening a repository as git does; the index to commit, HEAD, merge heads |
//! | [`index_file`] | git's index file, compared with HEAD through the cache-tree |
//! | [`blob`] | changed entries and the added lines of a blob (histogram diff, resolutions) |
//! | [`loose`] | loose blobs, inflated directly (libgit2 reads the rest) |
//! | [`treediff`] | changed entries between two trees, unchanged subtrees skipped |
//! | [`pack`] | packed blobs, inflated directly with a delta-base cache (ranges, history) |
//! | [`decode`] | UTF-16/32 text, a binary's printable runs, git-lfs objects |
//! | [`staged`] | the staged change (and whole staged files, and merge resolutions) |
//! | [`commits`] | a commit range, each commit against its first parent |
//! | [`history`] | every blob of the history, once |
//! | [`push`] | the `pre-push` hook's ref lines, as commits to read |
//! | [`refs`] | the `reference-transaction` hook's ref lines, as new commits to read |
//! | [`gitcli`] | the staged change through the git command line (SHA-256, split and sparse indexes) |
//! | [`disk`] | files and directories on disk |
//! | [`text`] | standard input and commit messages |

pub mod blob;
pub mod commits;
pub mod decode;
pub mod disk;
pub mod gitcli;
pub mod history;
pub mod index_file;
pub mod loose;
pub mod pack;
pub mod push;
pub mod refs;
pub mod repo;
pub mod staged;
pub mod text;
pub mod treediff;
