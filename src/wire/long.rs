//! `Long`: an awsJson long. A JSON integer literal in the signed 64-bit range; `-0` is 0
//! (spec WIRE-2), although JSON parsers read it as a float.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A long member of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Long(pub i64);

impl From<Long> for i64 {
    fn from(l: Long) -> i64 {
        l.0
    }
}

impl From<i64> for Long {
    fn from(n: i64) -> Long {
        Long(n)
    }
}

impl Serialize for Long {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for Long {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Long, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Long;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("i64")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Long, E> {
                Ok(Long(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Long, E> {
                i64::try_from(n)
                    .map(Long)
                    .map_err(|_| E::custom(format!("{n} is out of the signed 64-bit range")))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Long, E> {
                // serde_json reads the integer literal `-0` as the float -0.0; any other
                // float is no long.
                if x == 0.0 && x.is_sign_negative() {
                    Ok(Long(0))
                } else {
                    Err(E::invalid_type(serde::de::Unexpected::Float(x), &self))
                }
            }
        }
        d.deserialize_i64(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_zero_is_zero_and_other_floats_are_refused() {
        let read = |t: &str| serde_json::from_str::<Long>(t).map(|l| l.0).ok();
        assert_eq!(read("-0"), Some(0));
        assert_eq!(read("0"), Some(0));
        assert_eq!(read("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(read("9223372036854775808"), None);
        assert_eq!(read("0.0"), None);
        assert_eq!(read("1e3"), None);
        assert_eq!(read("\"1\""), None);
    }
}
