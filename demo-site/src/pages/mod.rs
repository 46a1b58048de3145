//! The shop's pages: one file per page, each with its handlers and its markup.

pub mod home;
pub mod layout;
pub mod login;
pub mod pricing;
pub mod purchase;
pub mod refer;
pub mod referrals;
pub mod signup;
pub mod spa;
pub mod strict_csp;
pub mod trial;
pub mod waitlist;
