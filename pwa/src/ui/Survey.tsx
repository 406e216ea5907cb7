import { useState } from 'preact/hooks';
import { useController, useT } from './context';

export function Survey() {
  const c = useController();
  const t = useT();
  const [rating, setRating] = useState(0);
  const [comment, setComment] = useState('');
  return (
    <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="survey-title" data-testid="survey">
      <h2 id="survey-title">{t('survey.title')}</h2>
      <div class="stars" role="radiogroup" aria-label={t('survey.title')}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            role="radio"
            aria-checked={rating === n}
            aria-label={t('survey.star', { n })}
            class={`star ${n <= rating ? 'on' : ''}`}
            onClick={() => setRating(n)}
          >
            ★
          </button>
        ))}
      </div>
      <label class="field">
        <span>{t('survey.comment')}</span>
        <textarea rows={2} value={comment} onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)} />
      </label>
      <div class="row">
        <button class="secondary" onClick={() => c.dismissSurvey()}>
          {t('survey.skip')}
        </button>
        <button class="primary" disabled={!rating} onClick={() => void c.submitSurvey(rating, comment)}>
          {t('survey.send')}
        </button>
      </div>
    </div>
  );
}
