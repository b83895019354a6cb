//! The users who can log in at the login form, with salted password hashes. With none
//! configured, one user `demo` gets a random password that is printed on stderr at start:
//! there is never a fixed default password.

use super::secrets::{random_token, SecretHash};
use super::settings::UserSpec;
use std::collections::HashMap;

/// Name of the generated user when none is configured.
pub(crate) const DEFAULT_USER: &str = "demo";

/// Users by name.
pub(crate) struct UserStore {
    users: HashMap<String, SecretHash>,
    /// Compared against when the name is unknown, so both failures cost the same.
    decoy: SecretHash,
}

impl UserStore {
    /// The store for `specs`; with none, a `demo` user whose random password is returned too.
    pub fn new(specs: &[UserSpec]) -> (Self, Option<String>) {
        let (specs, generated) = if specs.is_empty() {
            let pw = random_token(12);
            (vec![UserSpec::new(DEFAULT_USER, pw.clone())], Some(pw))
        } else {
            (specs.to_vec(), None)
        };
        let users = specs
            .iter()
            .map(|u| (u.name.clone(), SecretHash::new(&u.password)))
            .collect();
        let decoy = SecretHash::new(&random_token(12));
        (Self { users, decoy }, generated)
    }

    /// Whether `name` / `password` is a valid login.
    pub fn verify(&self, name: &str, password: &str) -> bool {
        match self.users.get(name) {
            Some(h) => h.verify(password),
            None => {
                let _ = self.decoy.verify(password);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_configured_users_only() {
        let (s, generated) = UserStore::new(&[UserSpec::new("alice", "pw1")]);
        assert!(generated.is_none());
        assert!(s.verify("alice", "pw1"));
        assert!(!s.verify("alice", "pw2") && !s.verify("bob", "pw1") && !s.verify("", ""));
    }

    #[test]
    fn default_user_has_a_random_password() {
        let (s, a) = UserStore::new(&[]);
        let (_, b) = UserStore::new(&[]);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_ne!(a, b);
        assert!(s.verify(DEFAULT_USER, &a) && !s.verify(DEFAULT_USER, &b));
    }
}
