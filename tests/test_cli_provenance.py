from click.testing import CliRunner

from stillwatch.cli import cli, main


def test_missing_key_file_is_a_clean_error(tmp_path, capsys, monkeypatch) -> None:
    text = tmp_path / "t.txt"
    text.write_text("so 1+1 is 2. ans 2\n")
    monkeypatch.setattr("sys.argv", ["stillwatch", "provenance", "test", "--key-file",
                                     str(tmp_path / "nope.key"), "--text", str(text)])
    try:
        main()
    except SystemExit as exc:
        assert exc.code == 1
    err = capsys.readouterr().err
    assert "watermark key file not found" in err and "Traceback" not in err


def test_text_test_with_a_new_key(tmp_path) -> None:
    runner = CliRunner()
    key = tmp_path / "k.json"
    assert runner.invoke(cli, ["provenance", "new-key", str(key)]).exit_code == 0
    assert runner.invoke(cli, ["provenance", "new-key", str(key)]).exit_code != 0  # never overwrite
    text = tmp_path / "t.txt"
    text.write_text("so 1+1 is 2. then 2*3 gives 6. ans 6\n" * 3)
    out = runner.invoke(cli, ["provenance", "test", "--key-file", str(key), "--text", str(text), "--tokenizer", "chars",
                              "--json"])
    assert out.exit_code == 0 and '"p_value"' in out.output


def test_needs_exactly_one_of_model_and_text(tmp_path) -> None:
    key = tmp_path / "k.json"
    CliRunner().invoke(cli, ["provenance", "new-key", str(key)])
    out = CliRunner().invoke(cli, ["provenance", "test", "--key-file", str(key)])
    assert out.exit_code == 2 and "exactly one" in out.output
