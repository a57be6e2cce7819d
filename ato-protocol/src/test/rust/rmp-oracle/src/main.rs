//! Reads one hex-encoded message per line on stdin and prints, per line, what ATO's server makes of it:
//! `OK <fields>` when it decodes as a run request, `ERR <message>` with the text ATO sends after
//! "invalid request: " otherwise. The request type mirrors the fields of ATO's API (language, code,
//! custom_runner, input, arguments, options, timeout); decoding is rmp-serde's `Deserializer::new` over the
//! message followed by ATO's "found extra data" check. With the argument `encode` it instead prints the
//! bytes ATO's server writes for a few fixed replies.
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::io::BufRead;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Request {
    language: String,
    code: ByteBuf,
    #[serde(default)]
    custom_runner: Option<ByteBuf>,
    input: ByteBuf,
    arguments: Vec<ByteBuf>,
    options: Vec<ByteBuf>,
    #[serde(default = "sixty")]
    timeout: i32,
}

fn sixty() -> i32 {
    60
}

#[derive(Deserialize)]
enum Control {
    Kill,
}

#[derive(Serialize)]
enum Reply {
    Stdout(ByteBuf),
    Done {
        timed_out: bool,
        stdout_truncated: bool,
        stderr_truncated: bool,
        status_type: &'static str,
        status_value: i32,
        real: i64,
        kernel: i64,
        user: i64,
        max_mem: i64,
        waits: i64,
        preemptions: i64,
        major_page_faults: i64,
        minor_page_faults: i64,
        input_ops: i64,
        output_ops: i64,
    },
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn decode<T: for<'de> Deserialize<'de>>(message: &[u8]) -> Result<T, String> {
    let mut de = rmp_serde::Deserializer::new(std::io::Cursor::new(message));
    match T::deserialize(&mut de) {
        Ok(r) => {
            if de.get_ref().position() as usize != message.len() {
                Err("found extra data".to_string())
            } else {
                Ok(r)
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("encode") {
        let replies = [
            Reply::Stdout(ByteBuf::from(b"hi\n".to_vec())),
            Reply::Done {
                timed_out: false,
                stdout_truncated: false,
                stderr_truncated: true,
                status_type: "exited",
                status_value: 0,
                real: 100_000_000,
                kernel: 1000,
                user: 200,
                max_mem: 4096,
                waits: 5,
                preemptions: 127,
                major_page_faults: 128,
                minor_page_faults: 1 << 32,
                input_ops: 0,
                output_ops: 8,
            },
            Reply::Done {
                timed_out: true,
                stdout_truncated: false,
                stderr_truncated: false,
                status_type: "unknown",
                status_value: -1,
                real: -33,
                kernel: -200,
                user: -40000,
                max_mem: -3_000_000_000,
                waits: 0,
                preemptions: 0,
                major_page_faults: 0,
                minor_page_faults: 0,
                input_ops: 0,
                output_ops: 0,
            },
        ];
        for r in replies.iter() {
            println!("{}", hex(&rmp_serde::to_vec_named(r).unwrap()));
        }
        return;
    }
    let kill = std::env::args().nth(1).as_deref() == Some("kill");
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let message = unhex(line.trim());
        if kill {
            match decode::<Control>(&message) {
                Ok(Control::Kill) => println!("{}\tOK", line.trim()),
                Err(e) => println!("{}\tERR {}", line.trim(), e),
            }
            continue;
        }
        match decode::<Request>(&message) {
            Ok(r) => println!(
                "{}\tOK {} {} {} {} [{}] [{}] {}",
                line.trim(),
                hex(r.language.as_bytes()),
                hex(&r.code),
                r.custom_runner.as_ref().map(|c| hex(c)).unwrap_or_else(|| "-".to_string()),
                hex(&r.input),
                r.arguments.iter().map(|a| hex(a)).collect::<Vec<_>>().join(","),
                r.options.iter().map(|a| hex(a)).collect::<Vec<_>>().join(","),
                r.timeout
            ),
            Err(e) => println!("{}\tERR {}", line.trim(), e.replace('\n', "\\n")),
        }
    }
}
