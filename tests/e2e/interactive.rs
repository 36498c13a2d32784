//! `berth run`, `berth exec` and `berth attach`: exit statuses as docker
//! gives them, stdin forwarding, and a TTY session under a real
//! pseudo-terminal (util-linux `script`) that types, reads the echo, and
//! checks the local terminal is restored afterwards.

use std::process::{Command, Stdio};

use crate::support::{
    berth, berth_bin, berth_with_stdin, docker_host, import_test_image, unique_name, ContainerGuard,
};

const LABEL: &str = "berth.test=e2e";

/// A running container (`sleep`) to exec into; removed when dropped.
fn sleeper(image: &str, what: &str) -> (ContainerGuard, String) {
    let name = unique_name(what);
    let guard = ContainerGuard::new(&name);
    let r = berth(&[
        "run", "-d", "--name", &name, "-l", LABEL, image, "sleep", "300",
    ]);
    r.ok();
    assert_eq!(
        r.stdout.trim().len(),
        64,
        "run -d prints the container id:\n{r}"
    );
    (guard, name)
}

#[test]
fn run_exit_statuses_are_dockers() {
    let img = import_test_image("runexit");
    let cases: [(&[&str], i32); 5] = [
        (&["sh", "-c", "exit 0"], 0),
        (&["sh", "-c", "exit 3"], 3),
        (&["/etc/passwd"], 126),
        (&["/no/such/command"], 127),
        (&["sh", "-c", "echo out; echo err >&2; exit 5"], 5),
    ];
    for (command, expected) in cases {
        let mut args = vec!["run", "--rm", "-l", LABEL, img.reference.as_str()];
        args.extend_from_slice(command);
        let r = berth(&args);
        r.code(expected);
        if expected == 5 {
            assert_eq!(
                (r.stdout.as_str(), r.stderr.as_str()),
                ("out\n", "err\n"),
                "streams:\n{r}"
            );
        }
    }
    // A daemon error (no such image) is 125.
    berth(&["run", "--rm", "berth-e2e-no-such-image:1", "true"]).code(125);
    // --rm removed them all.
    let left = berth(&[
        "container",
        "list",
        "--all",
        "--filter",
        &format!("ancestor={}", img.reference),
    ]);
    assert_eq!(left.json_array().len(), 0, "--rm leaves nothing:\n{left}");
}

#[test]
fn run_and_exec_forward_stdin() {
    let img = import_test_image("stdin");
    let r = berth_with_stdin(
        &["run", "--rm", "-i", "-l", LABEL, &img.reference, "cat"],
        b"through run -i\n",
    );
    r.ok();
    assert_eq!(r.stdout, "through run -i\n");

    let (_guard, name) = sleeper(&img.reference, "execstdin");
    let r = berth_with_stdin(
        &["exec", "-i", &name, "sh", "-c", "cat; echo done"],
        b"through exec -i\n",
    );
    r.ok();
    assert_eq!(
        r.stdout, "through exec -i\ndone\n",
        "stdin reached the command and ended with EOF"
    );
}

#[test]
fn exec_exit_statuses_are_dockers() {
    let img = import_test_image("execexit");
    let (_guard, name) = sleeper(&img.reference, "execexit");
    berth(&["exec", &name, "true"]).code(0);
    berth(&["exec", &name, "sh", "-c", "exit 3"]).code(3);
    berth(&["exec", &name, "/etc/passwd"]).code(126);
    berth(&["exec", &name, "/no/such/command"]).code(127);
    let r = berth(&[
        "exec",
        "-e",
        "GREETING=hi",
        "-w",
        "/bin",
        &name,
        "sh",
        "-c",
        "echo $GREETING $(pwd)",
    ]);
    r.ok();
    assert_eq!(r.stdout, "hi /bin\n");
    // Detached: returns at once, the command runs on.
    berth(&[
        "exec",
        "-d",
        &name,
        "sh",
        "-c",
        "mkdir /made-by-detached-exec",
    ])
    .ok();
    let mut found = false;
    for _ in 0..50 {
        if berth(&["exec", &name, "ls", "/made-by-detached-exec"]).code == Some(0) {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(found, "the detached exec ran");
}

/// Runs `shell_command` under a pseudo-terminal with `input` typed into it.
fn under_a_terminal(shell_command: &str, input: &[u8]) -> (Option<i32>, String) {
    typing(shell_command, &[input])
}

/// Like [`under_a_terminal`], typing each part after a pause.
fn typing(shell_command: &str, parts: &[&[u8]]) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = Command::new("script")
        .args(["-qefc", shell_command, "/dev/null"])
        .env("DOCKER_HOST", docker_host())
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs (package bsdutils)");
    if let Some(mut stdin) = child.stdin.take() {
        for part in parts {
            // Pause as a person would: the session starts, output comes back.
            std::thread::sleep(std::time::Duration::from_millis(1000));
            let _ = stdin.write_all(part);
            let _ = stdin.flush();
        }
        std::thread::sleep(std::time::Duration::from_millis(1500));
    }
    let output = child.wait_with_output().expect("script finishes");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn tty_session_echoes_input_and_restores_the_terminal() {
    let img = import_test_image("tty");
    let (_guard, name) = sleeper(&img.reference, "tty");
    let berth = berth_bin();
    let command = format!(
        "stty -a | grep -o -- '-*icanon' | head -1; {berth} exec -it {name} sh; echo berth-exit=$?; stty -a | grep -o -- '-*icanon' | head -1"
    );
    let (code, screen) =
        under_a_terminal(&command, b"test -t 0 && echo remote-tty-$((6*7))\nexit 4\n");
    assert_eq!(code, Some(0), "script itself succeeds:\n{screen}");
    assert!(
        screen.contains("remote-tty-42"),
        "the command ran on a TTY and its output came back:\n{screen}"
    );
    assert!(
        screen.contains("berth-exit=4"),
        "the shell's exit status is berth's:\n{screen}"
    );
    let modes: Vec<&str> = screen
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with("icanon"))
        .collect();
    assert_eq!(
        modes.first(),
        Some(&"icanon"),
        "canonical mode before:\n{screen}"
    );
    assert_eq!(
        modes.last(),
        Some(&"icanon"),
        "and restored after the raw session:\n{screen}"
    );
}

#[test]
fn detach_keys_leave_the_container_running_and_attach_reconnects() {
    let img = import_test_image("detach");
    let name = unique_name("detach");
    let _guard = ContainerGuard::new(&name);
    let berth_path = berth_bin();
    // ctrl-p ctrl-q detaches from `run -it`.
    let command = format!(
        "{berth_path} run -it --name {name} -l {LABEL} {} sh; echo run-exit=$?",
        img.reference
    );
    let (_, screen) = typing(&command, &[b"echo before-detach\n", b"\x10\x11"]);
    assert!(screen.contains("before-detach"), "{screen}");
    assert!(
        screen.contains("run-exit=0"),
        "detaching is a success:\n{screen}"
    );
    let inspect = berth(&["container", "inspect", &name]);
    assert_eq!(
        inspect.json()["State"]["Running"],
        serde_json::json!(true),
        "still running after detach"
    );
    // attach again and end the shell.
    // `container attach` is the same docker-style command as `attach`.
    let command = format!("{berth_path} container attach {name}; echo attach-exit=$?");
    let (_, screen) = under_a_terminal(&command, b"echo reattached\nexit 7\n");
    assert!(screen.contains("reattached"), "{screen}");
    assert!(
        screen.contains("attach-exit=7"),
        "the container's status is berth's:\n{screen}"
    );
}

#[test]
fn attach_to_a_stopped_container_is_refused() {
    let img = import_test_image("attachstopped");
    let name = unique_name("attachstopped");
    let _guard = ContainerGuard::new(&name);
    berth(&[
        "container",
        "create",
        "--name",
        &name,
        "--image",
        &img.reference,
        "--label",
        LABEL,
        "--cmd",
        "true",
    ])
    .ok();
    let r = berth(&["attach", &name]);
    r.code(1);
    assert!(
        r.stderr.contains("cannot attach to a stopped container"),
        "{r}"
    );
}
