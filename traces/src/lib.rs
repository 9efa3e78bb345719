//! Trace readers (streaming). The readers come with the traces issue.
