//! Name rules: roles as Mesos validates them, and the names of agents,
//! frameworks and jobs.
//!
//! Role names follow Mesos 1.11's `roles::validate` so that a scenario the
//! simulator accepts is one a real master would accept. Other names end up
//! in CSV cells and in the Mesos replay oracle's script, so they keep to the
//! oracle's character set (letters, digits, `_ . - / *`).

/// Checks a role name; Err says why it is invalid.
pub fn validate_role(role: &str) -> Result<(), String> {
    if role == "*" {
        return Ok(());
    }
    if role.is_empty() {
        return Err("a role name must not be empty".into());
    }
    if role.starts_with('/') || role.ends_with('/') {
        return Err(format!(
            "role {role:?} is invalid: it must not start or end with \"/\""
        ));
    }
    if role.contains("//") {
        return Err(format!(
            "role {role:?} is invalid: it must not contain \"//\""
        ));
    }
    if let Some(c) = role.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "role {role:?} is invalid: it must not contain whitespace or control characters (found {c:?})"
        ));
    }
    if role.contains('*') {
        return Err(format!(
            "role {role:?} is invalid: \"*\" is only valid alone, as the default role"
        ));
    }
    for comp in role.split('/') {
        if comp == "." || comp == ".." {
            return Err(format!(
                "role {role:?} is invalid: a path component must not be \".\" or \"..\""
            ));
        }
        if comp.starts_with('-') {
            return Err(format!(
                "role {role:?} is invalid: a path component must not start with \"-\""
            ));
        }
    }
    Ok(())
}

/// The ancestors of a hierarchical role, nearest last: `a/b/c` -> `a`,
/// `a/b`.
pub fn role_ancestors(role: &str) -> impl Iterator<Item = &str> {
    role.match_indices('/').map(move |(i, _)| &role[..i])
}

/// Checks the name of an agent, framework or job.
pub(crate) fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name must not be empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | '*')))
    {
        return Err(format!(
            "name {name:?} contains {c:?}; names use letters, digits and _ . - / *"
        ));
    }
    Ok(())
}

/// Checks a resource name (a TOML bare key of the usual identifier shape).
pub(crate) fn validate_resource_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad resource name {name:?}: use letters, digits and _, not starting with a digit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesos_role_rules() {
        for ok in ["*", "a", "eng/ml", "a.b", "a-b", "a/b-c/d", "x_y"] {
            assert_eq!(validate_role(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "/a", "a/", "a//b", "a b", "a\tb", "-a", "a/-b", ".", "..", "a/./b", "a/..", "a*",
            "*/a", "**",
        ] {
            assert!(validate_role(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ancestors() {
        let v: Vec<_> = role_ancestors("a/b/c").collect();
        assert_eq!(v, ["a", "a/b"]);
        assert_eq!(role_ancestors("a").count(), 0);
    }

    #[test]
    fn names_and_resource_names() {
        assert!(validate_name("m-0").is_ok());
        assert!(validate_name("a b").is_err());
        assert!(validate_name("").is_err());
        assert!(validate_resource_name("fpgas").is_ok());
        assert!(validate_resource_name("_x1").is_ok());
        assert!(validate_resource_name("1x").is_err());
        assert!(validate_resource_name("a-b").is_err());
    }
}
