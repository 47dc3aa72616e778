// Reads lines from stdin and answers one line each, as tauri-plugin-shell uses the regex crate
// (Regex::new(pattern), then is_match(argument)); strings travel as hex so any byte sequence is one line:
//   P <hex pattern>   ->  ok | error <message on one line>
//   I <hex input>     ->  1 (the last pattern matches) | 0
use regex::Regex;
use std::io::{self, BufRead, Write};

fn unhex(hex: &str) -> String {
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
    String::from_utf8(bytes).expect("utf-8")
}

fn main() {
    let mut out = io::stdout().lock();
    let mut current: Option<Regex> = None;
    for line in io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let (op, arg) = line.split_at(2);
        let answer = match op {
            "P " => match Regex::new(&unhex(arg)) {
                Ok(regex) => {
                    current = Some(regex);
                    "ok".to_string()
                }
                Err(error) => {
                    current = None;
                    format!("error {}", error.to_string().replace('\n', " "))
                }
            },
            "I " => match &current {
                Some(regex) => (if regex.is_match(&unhex(arg)) { "1" } else { "0" }).to_string(),
                None => "error no pattern".to_string(),
            },
            _ => "error bad request".to_string(),
        };
        writeln!(out, "{answer}").expect("stdout");
        out.flush().expect("stdout");
    }
}
