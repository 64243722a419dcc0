//! `suite import` on fixtures made with each corpus's exact naming and label-file formats
//! (IEMOCAP, MSP-Podcast, EmoDB, TESS, SAVEE); `suite split` (speaker-disjoint folds, the
//! corpora's own splits) and `suite check` (duplicates, shared speakers).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use tonebench::input::suite::Suite;

use crate::common::{read_csv, shared, tonebench};
use crate::corpus::{import, split, tone_wav};

fn rows_by_id(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    read_csv(&dir.join("items.csv"))
        .into_iter()
        .map(|r| (r["id"].clone(), r))
        .collect()
}

/// Two IEMOCAP sessions as the release lays them out.
fn iemocap(dir: &Path) {
    let s1 = dir.join("IEMOCAP_full_release/Session1");
    let s2 = dir.join("IEMOCAP_full_release/Session2");
    let eval1 = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n\
[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\n\
C-E2:\tNeutral;\t()\n\
C-E3:\tNeutral;\t()\n\
A-E3:\tval 3; act 2; dom  2;\t()\n\n\
[10.0100 - 11.3925]\tSes01F_impro01_M000\tfru\t[2.0000, 3.5000, 3.5000]\n\
C-E2:\tFrustration;\t()\n\n\
[14.8872 - 18.0175]\tSes01F_impro01_M001\txxx\t[2.5000, 3.0000, 3.0000]\n\n\
[19.2900 - 20.7875]\tSes01F_impro01_F001\texc\t[4.0000, 3.5000, 3.0000]\n";
    let eval2 = "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n\
[1.0000 - 2.0000]\tSes02M_script01_1_F000\tang\t[1.5000, 4.0000, 4.0000]\n\n\
[2.5000 - 3.0000]\tSes02M_script01_1_M000\thap\t[4.5000, 3.0000, 3.0000]\n\n\
[3.5000 - 4.0000]\tSes02M_script01_1_M001\tsad\t[1.5000, 1.5000, 2.0000]\n";
    let trans1 = "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.\n\
Ses01F_impro01_M000 [010.0100-011.3925]: Do you have your forms?\n\
Ses01F_impro01_F001 [019.2900-020.7875]: Yeah.\n";
    std::fs::create_dir_all(s1.join("dialog/EmoEvaluation/Categorical")).unwrap();
    std::fs::create_dir_all(s2.join("dialog/EmoEvaluation")).unwrap();
    std::fs::create_dir_all(s1.join("dialog/transcriptions")).unwrap();
    std::fs::write(s1.join("dialog/EmoEvaluation/Ses01F_impro01.txt"), eval1).unwrap();
    std::fs::write(
        s1.join("dialog/EmoEvaluation/Categorical/Ses01F_impro01_e1_cat.txt"),
        "Ses01F_impro01_F000 :Neutral state; ()\n",
    )
    .unwrap();
    std::fs::write(s2.join("dialog/EmoEvaluation/Ses02M_script01_1.txt"), eval2).unwrap();
    std::fs::write(s1.join("dialog/transcriptions/Ses01F_impro01.txt"), trans1).unwrap();
    for (i, u) in ["F000", "M000", "M001", "F001"].iter().enumerate() {
        tone_wav(
            &s1.join(format!(
                "sentences/wav/Ses01F_impro01/Ses01F_impro01_{u}.wav"
            )),
            150.0 + 10.0 * i as f64,
            1600,
        );
    }
    // Ses02M_script01_1_M001 has no audio file: reported.
    for (i, u) in ["F000", "M000"].iter().enumerate() {
        tone_wav(
            &s2.join(format!(
                "sentences/wav/Ses02M_script01_1/Ses02M_script01_1_{u}.wav"
            )),
            300.0 + 10.0 * i as f64,
            1600,
        );
    }
}

#[test]
fn iemocap_speakers_are_session_plus_the_utterances_own_gender_letter() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("corpus");
    iemocap(&dir);
    let out = tmp.path().join("emotion");
    let said = import("iemocap", &dir, &out, &["--labels", "emotion"]);
    assert!(said.contains("imported 5 items"), "{said}");
    let rows = rows_by_id(&out);
    let m = &rows["iemocap-Ses01F_impro01_M000"];
    assert_eq!(
        m["speaker"], "Ses01M",
        "the male actor of session 1, although the dialog is Ses01F"
    );
    assert_eq!(m["sex"], "male");
    assert_eq!(m["label"], "frustrated");
    assert_eq!(m["session"], "1");
    assert_eq!(m["dialog_type"], "improvised");
    assert_eq!(m["text"], "Do you have your forms?");
    assert_eq!(
        (
            m["valence_score"].as_str(),
            m["arousal_score"].as_str(),
            m["dominance_score"].as_str()
        ),
        ("2.0000", "3.5000", "3.5000")
    );
    let f = &rows["iemocap-Ses02M_script01_1_F000"];
    assert_eq!(
        (
            f["speaker"].as_str(),
            f["sex"].as_str(),
            f["dialog_type"].as_str()
        ),
        ("Ses02F", "female", "scripted")
    );
    assert_eq!(rows["iemocap-Ses01F_impro01_F001"]["label"], "excited");
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("Ses01F_impro01_M001"),
        "xxx has no majority: {skipped}"
    );
    assert!(
        skipped.contains("Ses02M_script01_1_M001.wav"),
        "missing audio: {skipped}"
    );
    // The standard 4-class setup: excited merged into happy, frustrated dropped.
    let four = tmp.path().join("four");
    import("iemocap", &dir, &four, &["--labels", "emotion4"]);
    let rows = rows_by_id(&four);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows["iemocap-Ses01F_impro01_F001"]["label"], "happy");
    assert_eq!(rows["iemocap-Ses01F_impro01_F001"]["emotion"], "excited");
    assert!(!rows.contains_key("iemocap-Ses01F_impro01_M000"));
    assert_eq!(
        Suite::load(&four).unwrap().labels.names(),
        ["neutral", "happy", "sad", "angry"]
    );
    // Leave-one-session-out.
    let folds = tmp.path().join("folds");
    split(&four, &["--by", "session"], &folds);
    let test1 = Suite::load(&folds.join("session-1/test")).unwrap();
    let train1 = Suite::load(&folds.join("session-1/train")).unwrap();
    assert_eq!(test1.items.len(), 2);
    assert_eq!(train1.items.len(), 2);
    assert!(test1
        .items
        .iter()
        .all(|i| i.id.starts_with("iemocap-Ses01")));
    assert!(train1
        .items
        .iter()
        .all(|i| i.id.starts_with("iemocap-Ses02")));
    assert_eq!(
        test1.training.as_deref().map(|p| p.canonicalize().unwrap()),
        Some(folds.join("session-1/train").canonicalize().unwrap())
    );
}

#[test]
fn emodb_speakers_texts_and_emotion_letters_follow_the_documentation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("emodb/wav");
    for (i, f) in [
        "03a01Fa", "08b10Wb", "16a07Lc", "09b03Ta", "10a02Ea", "14a04Aa", "15b09Nb", "17a01Fa",
        "03a01Xa", "03c01Fa",
    ]
    .iter()
    .enumerate()
    {
        tone_wav(&dir.join(format!("{f}.wav")), 200.0 + 7.0 * i as f64, 1600);
    }
    let out = tmp.path().join("s");
    let said = import("emodb", &dir, &out, &[]);
    assert!(said.contains("imported 7 items"), "{said}");
    let rows = rows_by_id(&out);
    let r = &rows["emodb-03a01Fa"];
    assert_eq!(
        (
            r["speaker"].as_str(),
            r["sex"].as_str(),
            r["age"].as_str(),
            r["age_band"].as_str()
        ),
        ("03", "male", "31", "30-39")
    );
    assert_eq!(
        (
            r["emotion"].as_str(),
            r["label"].as_str(),
            r["emotion_code"].as_str()
        ),
        ("happy", "positive", "F")
    );
    assert_eq!(r["text"], "Der Lappen liegt auf dem Eisschrank.");
    assert_eq!(
        (r["statement"].as_str(), r["statement_length"].as_str()),
        ("a01", "short")
    );
    let w = &rows["emodb-08b10Wb"];
    assert_eq!(
        (
            w["sex"].as_str(),
            w["age"].as_str(),
            w["emotion"].as_str(),
            w["statement_length"].as_str(),
            w["version"].as_str()
        ),
        ("female", "34", "angry", "long", "b")
    );
    assert_eq!(
        (
            rows["emodb-16a07Lc"]["emotion"].as_str(),
            rows["emodb-16a07Lc"]["label"].as_str()
        ),
        ("boredom", "negative")
    );
    assert_eq!(rows["emodb-09b03Ta"]["age"], "21");
    assert_eq!(rows["emodb-14a04Aa"]["emotion"], "fearful");
    assert_eq!(rows["emodb-15b09Nb"]["label"], "neutral");
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("17a01Fa.wav,speaker 17 is not one of the ten EmoDB speakers"),
        "{skipped}"
    );
    assert!(skipped.contains("emotion letter X"), "{skipped}");
    assert!(skipped.contains("text code c01"), "{skipped}");
}

#[test]
fn msp_podcast_reads_the_consensus_labels_and_its_own_split() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("MSP-PODCAST-Publish-1.11");
    std::fs::create_dir_all(dir.join("Labels")).unwrap();
    let labels = "FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set\n\
MSP-PODCAST_0001_0008.wav,N,4.2,4.0,4.6,127,Female,Train\n\
MSP-PODCAST_0001_0019.wav,H,4.8,5.4,5.0,127,Female,Train\n\
MSP-PODCAST_0002_0033.wav,A,6.0,1.8,5.6,Unknown,Unknown,Development\n\
MSP-PODCAST_0003_0001.wav,X,3.0,3.6,3.4,12,Male,Test1\n\
MSP-PODCAST_0004_0002.wav,C,3.4,2.6,4.0,13,Male,Test1\n\
MSP-PODCAST_0005_0002.wav,S,2.4,2.0,2.8,14,Male,Test2\n\
MSP-PODCAST_0006_0002.wav,Q,2.4,2.0,2.8,14,Male,Test2\n";
    std::fs::write(dir.join("Labels/labels_consensus.csv"), labels).unwrap();
    for (i, n) in [
        "0001_0008",
        "0001_0019",
        "0002_0033",
        "0003_0001",
        "0004_0002",
        "0006_0002",
    ]
    .iter()
    .enumerate()
    {
        tone_wav(
            &dir.join(format!("Audios/MSP-PODCAST_{n}.wav")),
            400.0 + 9.0 * i as f64,
            1600,
        );
    }
    let out = tmp.path().join("s");
    let said = import("msp-podcast", &dir, &out, &[]);
    assert!(said.contains("imported 4 items"), "{said}");
    let rows = rows_by_id(&out);
    let r = &rows["msp-MSP-PODCAST_0001_0019"];
    assert_eq!(
        (
            r["label"].as_str(),
            r["speaker"].as_str(),
            r["sex"].as_str(),
            r["split"].as_str()
        ),
        ("positive", "127", "female", "Train")
    );
    assert_eq!(
        (
            r["arousal_score"].as_str(),
            r["valence_score"].as_str(),
            r["dominance_score"].as_str()
        ),
        ("4.8", "5.4", "5.0")
    );
    let u = &rows["msp-MSP-PODCAST_0002_0033"];
    assert_eq!(
        (
            u["speaker"].as_str(),
            u["sex"].as_str(),
            u["label"].as_str()
        ),
        ("", "", "negative")
    );
    assert_eq!(rows["msp-MSP-PODCAST_0004_0002"]["emotion"], "contempt");
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("audio file MSP-PODCAST_0005_0002.wav not found"),
        "{skipped}"
    );
    assert!(skipped.contains("EmoClass \"\"Q\"\""), "{skipped}");
    assert!(
        skipped.contains("the annotators did not agree"),
        "{skipped}"
    );
    assert!(Suite::load(&out)
        .unwrap()
        .description
        .contains("MSP-PODCAST-Publish-1.11"));
    let parts = tmp.path().join("parts");
    split(&out, &["--by", "split"], &parts);
    for (p, n) in [("Train", 2), ("Development", 1), ("Test1", 1)] {
        assert_eq!(Suite::load(&parts.join(p)).unwrap().items.len(), n, "{p}");
    }
}

#[test]
fn tess_and_savee_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let tess = tmp.path().join("TESS");
    for (i, f) in [
        "OAF_angry/OAF_back_angry",
        "OAF_Pleasant_surprise/OAF_bath_ps",
        "YAF_fear/YAF_dog_fear",
        "YAF_neutral/YAF_germ_neutral",
        "YAF_x/YAF_dog_bored",
        "MAF_dog_sad",
    ]
    .iter()
    .enumerate()
    {
        tone_wav(&tess.join(format!("{f}.wav")), 500.0 + 5.0 * i as f64, 1600);
    }
    let out = tmp.path().join("tess-suite");
    let said = import("tess", &tess, &out, &[]);
    assert!(said.contains("imported 4 items"), "{said}");
    let rows = rows_by_id(&out);
    let ps = &rows["tess-OAF_bath_ps"];
    assert_eq!(
        (
            ps["emotion"].as_str(),
            ps["label"].as_str(),
            ps["age"].as_str(),
            ps["sex"].as_str()
        ),
        ("pleasant_surprise", "positive", "64", "female")
    );
    assert_eq!(
        (ps["text"].as_str(), ps["statement"].as_str()),
        ("Say the word bath", "bath")
    );
    assert_eq!(
        (
            rows["tess-YAF_dog_fear"]["age"].as_str(),
            rows["tess-YAF_dog_fear"]["label"].as_str()
        ),
        ("26", "negative")
    );
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("YAF_dog_bored.wav") && skipped.contains("MAF_dog_sad.wav"),
        "{skipped}"
    );

    let savee = tmp.path().join("SAVEE");
    for (i, f) in [
        "AudioData/DC/a01",
        "AudioData/JE/sa15",
        "AudioData/JK/su03",
        "AudioData/KL/n30",
        "DC_h02",
        "AudioData/DC/n31",
        "AudioData/XX/a01",
    ]
    .iter()
    .enumerate()
    {
        tone_wav(
            &savee.join(format!("{f}.wav")),
            600.0 + 5.0 * i as f64,
            1600,
        );
    }
    let out = tmp.path().join("savee-suite");
    let said = import("savee", &savee, &out, &["--labels", "emotion"]);
    assert!(said.contains("imported 5 items"), "{said}");
    let rows = rows_by_id(&out);
    assert_eq!(
        (
            rows["savee-JE_sa15"]["label"].as_str(),
            rows["savee-JE_sa15"]["speaker"].as_str(),
            rows["savee-JE_sa15"]["sex"].as_str()
        ),
        ("sad", "JE", "male")
    );
    assert_eq!(rows["savee-JK_su03"]["label"], "surprised");
    assert_eq!(rows["savee-DC_h02"]["label"], "happy");
    assert_eq!(rows["savee-KL_n30"]["statement"], "30");
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("sentence number \"\"31\"\" is not 01..30"),
        "{skipped}"
    );
    assert!(skipped.contains("speaker \"\"XX\"\""), "{skipped}");
}

/// Folds of the RAVDESS dev import: speaker-disjoint, every label exactly a third per fold
/// (every actor has the same label counts).
#[test]
fn ravdess_folds_are_speaker_disjoint_and_exactly_stratified() {
    let Some(shared) = shared("ravdess_folds_are_speaker_disjoint_and_exactly_stratified") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("rav");
    import(
        "ravdess",
        &shared.join("data/ravdess-dev"),
        &suite,
        &["--no-decode"],
    );
    let folds = tmp.path().join("folds");
    split(&suite, &["--folds", "3", "--seed", "11"], &folds);
    let mut all = BTreeSet::new();
    for f in 1..=3 {
        let test = Suite::load(&folds.join(format!("fold-{f}/test"))).unwrap();
        let train = Suite::load(&folds.join(format!("fold-{f}/train"))).unwrap();
        let ts: BTreeSet<String> = test
            .items
            .iter()
            .filter_map(|i| i.speaker.clone())
            .collect();
        let rs: BTreeSet<String> = train
            .items
            .iter()
            .filter_map(|i| i.speaker.clone())
            .collect();
        assert!(ts.is_disjoint(&rs));
        assert_eq!(ts.len(), 2);
        assert_eq!(test.items.len() + train.items.len(), 156);
        let mut per = [0; 3];
        for i in &test.items {
            per[i.label] += 1;
        }
        assert_eq!(per, [32, 12, 8], "fold {f}");
        all.extend(test.items.iter().map(|i| i.id.clone()));
        let o = tonebench()
            .args(["suite", "check"])
            .arg(folds.join(format!("fold-{f}/test")))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{text}");
        assert!(text.contains("against 104 training items"), "{text}");
    }
    assert_eq!(all.len(), 156, "every item in exactly one test fold");
    let o = tonebench()
        .args(["suite", "split"])
        .arg(&suite)
        .args(["--folds", "7", "--out"])
        .arg(tmp.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("6 groups cannot fill 7 parts"));
}
