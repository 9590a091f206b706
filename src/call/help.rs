//! `call help` (every operation, with a line each) and `call <operation> help` (its
//! options, required ones marked, each with its type).
//!
//! Short help of our own, not the AWS CLI's manual pages: the options and their types are
//! read from [`super::shape`], so they cannot drift from what the command line accepts.

use super::shape::{self, OPERATIONS, OpShape, Type};

/// `call help`.
pub(super) fn all() -> String {
    let mut s = String::from(
        "ecr-conformance call <operation> [--endpoint-url URL] [--region R] [options]\n\n\
         Sends one request with the AWS CLI's arguments and prints the answer as the AWS CLI \
         does.\nWithout --endpoint-url (or AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL) it talks to \
         an embedded fake\nthat holds the repository layer-test and the open upload \
         6cb64b8a-9378-0e33-2ab1-b780fab8a9e9,\nfor this one call.\n\nOperations:\n",
    );
    for shape in OPERATIONS {
        s.push_str(&format!("  {:<32} {}\n", shape.cli, shape.summary));
    }
    s.push_str(
        "\nEvery operation takes --cli-input-json JSON|file://PATH, --generate-cli-skeleton \
         [input|output],\n--cli-binary-format raw-in-base64-out|base64, --endpoint-url, \
         --region, --output json.\nBlobs are read as AWS CLI v1 reads them (raw-in-base64-out: \
         fileb:// bytes, file:// text, both sent as they are);\nAWS CLI v2 reads them as base64 \
         by default (--cli-binary-format base64: a value or file:// text is base64 already,\n\
         so the seed page's file://layer.b64 sends the layer itself; fileb:// is bytes in \
         both).\nBefore sending, the request is checked against the spec; \
         problems are warnings on stderr.\nExit status: 0 success, 255 error answer or invalid \
         parameter, 2 usage error.\n",
    );
    s
}

/// A member type as help names it.
fn type_label(ty: Type) -> String {
    match ty {
        Type::Str | Type::Timestamp => "string".into(),
        Type::Enum(values) => format!("string: {}", values.join(" | ")),
        Type::Long => "long".into(),
        Type::Bool | Type::Flag => "boolean".into(),
        Type::Blob => "blob: file://PATH (text), fileb://PATH (bytes) or the value".into(),
        Type::List(inner) => format!("list of {}", type_label(*inner)),
        Type::Map(inner) => format!("map of {}", type_label(*inner)),
        Type::Struct(members) => {
            let names: Vec<String> = members
                .iter()
                .map(|member| format!("{}={}", member.name, type_label(member.ty)))
                .collect();
            format!("structure: {}", names.join(","))
        }
    }
}

/// `call <operation> help`.
pub(super) fn operation(shape: &OpShape) -> String {
    let mut s = format!(
        "ecr-conformance call {} — {}\n\nOptions (required ones marked *):\n",
        shape.cli, shape.summary
    );
    for member in shape.input {
        let name = match member.ty {
            Type::Flag => format!("--{0} | --no-{0}", shape::option_name(member.name)),
            _ => format!("--{}", shape::option_name(member.name)),
        };
        s.push_str(&format!(
            "  {}{name:<40} {}\n",
            if member.required { "*" } else { " " },
            type_label(member.ty)
        ));
    }
    s.push_str("\nAnswer members: ");
    let names: Vec<&str> = shape.output.iter().map(|member| member.name).collect();
    s.push_str(&names.join(", "));
    s.push('\n');
    s
}
